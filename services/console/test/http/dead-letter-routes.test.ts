// The dead-letter API against our broker: failure groups, redrive (dry run, confirmation, loop guard),
// edit and redrive checked against the contract, discard, and the audit log of each action.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { RetryHeaders } from '@tributary/messaging';
import { useConsole } from '../support/console-fixture.ts';

const fx = useConsole({ redriveMaxPerEvent: 2 });
const DLQ = 'users.order-service.dlq';

function deadLetter(i: number, errorCode: string, extra: Record<string, string> = {}) {
  return {
    topic: DLQ,
    partition: 0,
    key: `user-${i}`,
    value: Buffer.from(
      JSON.stringify({
        userId: `user-${i}`,
        email: `u${i}@example.com`,
        name: `U${i}`,
        registeredAt: '2026-01-01T00:00:00Z',
      }),
    ),
    headers: {
      ce_id: `event-${i}`,
      ce_type: 'tributary.user.registered.v1',
      ce_source: 'test',
      [RetryHeaders.originalTopic]: 'users',
      [RetryHeaders.originalPartition]: '0',
      [RetryHeaders.originalOffset]: String(i),
      [RetryHeaders.group]: 'order-service',
      [RetryHeaders.errorCode]: errorCode,
      [RetryHeaders.errorMessage]: `${errorCode} on user-${i}`,
      [RetryHeaders.attempts]: '3',
      [RetryHeaders.firstFailureAt]: `2026-01-0${1 + (i % 5)}T00:00:00.000Z`,
      [RetryHeaders.lastFailureAt]: `2026-01-0${2 + (i % 5)}T00:00:00.000Z`,
      ...extra,
    },
  };
}

async function originEnd(): Promise<bigint> {
  return (await fx.context.cluster.offsets(new Map([['users', 1]]))).get('users')?.[0]?.end ?? 0n;
}

interface Listing {
  groups: { id: string; errorCode: string; count: number; firstFailureAt: string; lastFailureAt: string }[];
  deadLetters: {
    dlq: string;
    partition: number;
    offset: string;
    eventId: string;
    failureGroup: string;
    errorCode: string;
  }[];
}

async function listing(): Promise<Listing> {
  return (await fx.app.inject('/api/dead-letters')).json() as Listing;
}

describe('dead letters API', { timeout: 120_000 }, () => {
  before(async () => {
    await fx.context.cluster.createTopic('users', 1);
    await fx.context.cluster.createTopic(DLQ, 1);
    await fx.context.cluster.produce([
      deadLetter(0, 'HANDLER_FAILED'),
      deadLetter(1, 'HANDLER_FAILED'),
      deadLetter(2, 'HANDLER_FAILED'),
      deadLetter(3, 'SCHEMA_INVALID'),
      deadLetter(4, 'LOOPING', { 'tributary-redrive-count': '2' }),
      deadLetter(5, 'SCHEMA_INVALID'),
    ]);
  });

  it('groups failures by error code, event type and origin with count, first and last failure', async () => {
    const { groups, deadLetters } = await listing();
    assert.equal(deadLetters.length, 6);
    const handler = groups.find((g) => g.errorCode === 'HANDLER_FAILED');
    assert.equal(handler?.count, 3);
    assert.equal(handler?.firstFailureAt, '2026-01-01T00:00:00.000Z');
    assert.equal(handler?.lastFailureAt, '2026-01-04T00:00:00.000Z');
    assert.deepEqual(groups.map((g) => g.count).sort(), [1, 2, 3]);
  });

  it('redrives a failure group only after a dry run and a confirmation, keeping event ids', async () => {
    const { groups } = await listing();
    const handler = groups.find((g) => g.errorCode === 'HANDLER_FAILED')!;
    const before = await originEnd();
    const dry = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/redrive',
      payload: { failureGroup: handler.id },
    });
    assert.equal(dry.statusCode, 200);
    assert.equal(dry.json().dryRun, true);
    assert.equal(dry.json().items.length, 3);
    const unconfirmed = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/redrive',
      payload: { failureGroup: handler.id, dryRun: false },
    });
    assert.equal(unconfirmed.statusCode, 428);
    assert.equal(unconfirmed.json().code, 'CONFIRMATION_REQUIRED');
    assert.equal(await originEnd(), before, 'nothing sent before confirmation');
    const done = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/redrive',
      headers: { 'x-console-user': 'ada' },
      payload: { failureGroup: handler.id, dryRun: false, confirm: true },
    });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().items.length, 3);
    assert.equal(await originEnd(), before + 3n);
    const page = (
      await fx.app.inject('/api/topics/users/partitions/0/messages?position=latest&limit=3')
    ).json();
    assert.deepEqual(
      page.messages.map((m: { headers: Record<string, string> }) => [
        m.headers.ce_id,
        m.headers['tributary-redrive-count'],
      ]),
      [
        ['event-0', '1'],
        ['event-1', '1'],
        ['event-2', '1'],
      ],
    );
    assert.ok(
      page.messages.every(
        (m: { headers: Record<string, string> }) => m.headers[RetryHeaders.errorCode] === undefined,
      ),
      'retry headers are not sent back',
    );
    const after = await listing();
    assert.equal(after.deadLetters.length, 3);
    assert.ok(!after.groups.some((g) => g.id === handler.id));
    const audit = (await fx.app.inject('/api/audit')).json().entries;
    assert.equal(audit[0].action, 'redrive');
    assert.equal(audit[0].outcome, 'ok');
    assert.match(audit[0].who, /^ada \(/);
    assert.match(audit[0].detail, /3 redriven/);
  });

  it('holds back an event that was redriven too often (loop guard)', async () => {
    const looping = (await listing()).deadLetters.find((d) => d.errorCode === 'LOOPING')!;
    const before = await originEnd();
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/redrive',
      payload: {
        items: [{ dlq: looping.dlq, partition: looping.partition, offset: looping.offset }],
        dryRun: false,
        confirm: true,
      },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().items.length, 0);
    assert.match(res.json().skipped[0].reason, /redriven 2 time\(s\) already/);
    assert.equal(await originEnd(), before);
  });

  it('sends nothing when an edit breaks the contract, and a copy with a new id when it matches', async () => {
    const schemaInvalid = (await listing()).deadLetters.find((d) => d.errorCode === 'SCHEMA_INVALID')!;
    const item = { dlq: schemaInvalid.dlq, partition: schemaInvalid.partition, offset: schemaInvalid.offset };
    const before = await originEnd();
    const broken = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/edit',
      payload: { item, value: { userId: 'user-3', email: 'not an email' }, confirm: true },
    });
    assert.equal(broken.statusCode, 422);
    assert.equal(broken.json().code, 'CONTRACT_VIOLATION');
    assert.match(broken.json().detail, /email/);
    assert.equal(await originEnd(), before, 'nothing sent');
    const value = {
      userId: 'user-3',
      email: 'fixed@example.com',
      name: 'Fixed',
      registeredAt: '2026-01-01T00:00:00Z',
    };
    const ok = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/edit',
      payload: { item, value, confirm: true },
    });
    assert.equal(ok.statusCode, 200);
    assert.notEqual(ok.json().newEventId, 'event-3');
    const [sent] = (
      await fx.app.inject('/api/topics/users/partitions/0/messages?position=latest&limit=1')
    ).json().messages;
    assert.deepEqual(sent.json, value);
    assert.equal(sent.headers.ce_id, ok.json().newEventId);
    assert.equal(sent.headers['tributary-edited-from'], 'event-3');
    const again = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/edit',
      payload: { item, value, confirm: true },
    });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().code, 'DEAD_LETTER_NOT_FOUND');
  });

  it('discards only with confirmation; a discarded dead letter is gone from the list', async () => {
    const remaining = (await listing()).deadLetters.find((d) => d.eventId === 'event-5')!;
    const item = { dlq: remaining.dlq, partition: remaining.partition, offset: remaining.offset };
    const unconfirmed = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/discard',
      payload: { items: [item] },
    });
    assert.equal(unconfirmed.statusCode, 428);
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/discard',
      payload: { items: [item], confirm: true },
    });
    assert.equal(res.statusCode, 200);
    assert.ok(!(await listing()).deadLetters.some((d) => d.eventId === 'event-5'));
    const audit = (await fx.app.inject('/api/audit')).json().entries;
    assert.deepEqual(
      audit.slice(0, 1).map((e: { action: string; outcome: string }) => [e.action, e.outcome]),
      [['discard', 'ok']],
    );
    assert.ok(
      audit.some(
        (e: { action: string; outcome: string }) => e.action === 'edit-redrive' && e.outcome === 'failed',
      ),
    );
  });

  it('rejects selections that name nothing, both or unknown things', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{}, 400, 'INVALID_FILTER'],
      [{ failureGroup: 'x', items: [{ dlq: DLQ, partition: 0, offset: '0' }] }, 400, 'INVALID_FILTER'],
      [{ failureGroup: 'no-such-group' }, 404, 'FAILURE_GROUP_NOT_FOUND'],
      [{ items: [{ dlq: DLQ, partition: 0, offset: '999' }] }, 404, 'DEAD_LETTER_NOT_FOUND'],
      [{ items: [{ dlq: DLQ, partition: 0, offset: 'x' }] }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await fx.app.inject({ method: 'POST', url: '/api/dead-letters/redrive', payload });
      assert.equal(res.statusCode, status, JSON.stringify(payload));
      assert.equal(res.json().code, code, JSON.stringify(payload));
    }
  });
});
