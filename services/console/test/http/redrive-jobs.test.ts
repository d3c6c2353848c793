// Redrives larger than the threshold run as background jobs against our broker: 202 with a Location, progress
// until done, cancel, 404 for ids that are no job's, the audit log at start and end, and a restart of the
// console mid-job that sends nothing twice (graceful stop, and a stop between sending and marking).
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RetryHeaders } from '@tributary/messaging';
import type { App } from '@tributary/service-kit';
import { pino } from 'pino';
import { buildConsoleApp, type ConsoleAppOptions } from '../../src/app.ts';
import type { ConsoleContext } from '../../src/console-context.ts';
import type { RedriveJob } from '../../src/dead-letters/redrive-jobs.ts';
import { eventually, useConsole } from '../support/console-fixture.ts';

const THRESHOLD = 5;
const fx = useConsole({ redriveJobThreshold: THRESHOLD, redriveRatePerSecond: 20 });
const ORIGIN = 'orders';
const DLQ = 'orders.billing.dlq';

function deadLetter(errorCode: string, i: number, redriven = 0) {
  return {
    topic: DLQ,
    partition: 0,
    key: `order-${errorCode}-${i}`,
    value: Buffer.from(JSON.stringify({ orderId: `order-${i}` })),
    headers: {
      ce_id: `${errorCode}-${i}`,
      ce_type: 'tributary.order.placed.v1',
      ce_source: 'test',
      [RetryHeaders.originalTopic]: ORIGIN,
      [RetryHeaders.originalPartition]: '0',
      [RetryHeaders.originalOffset]: String(i),
      [RetryHeaders.group]: 'billing',
      [RetryHeaders.errorCode]: errorCode,
      [RetryHeaders.errorMessage]: `${errorCode} on order-${i}`,
      ...(redriven > 0 ? { 'tributary-redrive-count': String(redriven) } : {}),
    },
  };
}

async function addDeadLetters(errorCode: string, count: number, looping = 0): Promise<void> {
  await fx.context.cluster.produce([
    ...Array.from({ length: count }, (_, i) => deadLetter(errorCode, i)),
    ...Array.from({ length: looping }, (_, i) => deadLetter(errorCode, count + i, 3)),
  ]);
}

async function failureGroup(app: App, errorCode: string): Promise<{ id: string; count: number } | undefined> {
  const body = (await app.inject('/api/dead-letters')).json() as {
    groups: { id: string; errorCode: string; count: number }[];
  };
  return body.groups.find((g) => g.errorCode === errorCode);
}

/** How often each event id of `errorCode` was sent back to the origin topic. */
async function copies(ctx: ConsoleContext, errorCode: string): Promise<Map<string, number>> {
  ctx.topics.forget(ORIGIN);
  const { records } = await ctx.deadLetters.readAll(ORIGIN, 1_000_000);
  const counts = new Map<string, number>();
  for (const r of records) {
    const id = r.headers.find(([k]) => k === 'ce_id')?.[1]?.toString('utf8') ?? '';
    if (id.startsWith(`${errorCode}-`)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

async function startJob(app: App, groupId: string): Promise<{ job: RedriveJob; location: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/dead-letters/redrive',
    payload: { failureGroup: groupId, dryRun: false, confirm: true },
    headers: { 'x-console-user': 'ops' },
  });
  assert.equal(res.statusCode, 202, res.body);
  return { job: res.json().job as RedriveJob, location: String(res.headers.location) };
}

async function jobOf(app: App, location: string): Promise<RedriveJob> {
  const res = await app.inject(location);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().job as RedriveJob;
}

describe('redrive jobs', { timeout: 180_000 }, () => {
  before(async () => {
    await fx.context.cluster.createTopic(ORIGIN, 1);
    await fx.context.cluster.createTopic(DLQ, 1);
  });

  it('runs a redrive above the threshold as a job: 202 and Location, progress until done, each event sent once', async () => {
    await addDeadLetters('BIG', 12, 2);
    const group = await failureGroup(fx.app, 'BIG');
    assert.equal(group?.count, 14);
    const { job, location } = await startJob(fx.app, group.id);
    assert.equal(location, `/api/redrive-jobs/${job.id}`);
    assert.equal(job.total, 14);
    assert.equal(job.skipped, 2, 'the loop guard holds back the two redriven too often');
    const done = await eventually('the job to finish', async () => {
      const now = await jobOf(fx.app, location);
      return now.state === 'running' ? undefined : now;
    });
    assert.deepEqual(
      { state: done.state, sent: done.sent, skipped: done.skipped, failed: done.failed, total: done.total },
      { state: 'done', sent: 12, skipped: 2, failed: 0, total: 14 },
    );
    // The rate limit (20 per second) spaces the 12 sends: at least 11 gaps of 50 ms.
    const tookMs = Date.parse(done.endedAt ?? '') - Date.parse(done.startedAt);
    assert.ok(tookMs >= 11 * 50 - 5, `took ${tookMs} ms`);
    const sent = await copies(fx.context, 'BIG');
    assert.equal(sent.size, 12);
    assert.ok(
      [...sent.values()].every((n) => n === 1),
      'no event was sent twice',
    );
    assert.equal((await failureGroup(fx.app, 'BIG'))?.count, 2, 'only the held-back ones are left');
    const audit = (await fx.app.inject('/api/audit')).json().entries as {
      action: string;
      outcome: string;
      detail: string;
      who: string;
    }[];
    const ofJob = audit.filter((e) => e.detail.includes(job.id));
    assert.deepEqual(ofJob.map((e) => e.outcome).sort(), ['ok', 'started']);
    assert.ok(ofJob.every((e) => e.action === 'redrive' && e.who.startsWith('ops')));
    const listed = (await fx.app.inject('/api/redrive-jobs')).json().jobs as RedriveJob[];
    assert.ok(listed.some((j) => j.id === job.id));
  });

  it('redrives a selection at or below the threshold within the request', async () => {
    await addDeadLetters('SMALL', THRESHOLD);
    const group = await failureGroup(fx.app, 'SMALL');
    assert.ok(group);
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/redrive',
      payload: { failureGroup: group.id, dryRun: false, confirm: true },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().items.length, THRESHOLD);
  });

  it('cancels a running job: it stops, and what it did not send stays a dead letter', async () => {
    await addDeadLetters('CANCEL', 80);
    const group = await failureGroup(fx.app, 'CANCEL');
    assert.ok(group);
    const { job, location } = await startJob(fx.app, group.id);
    await eventually('a few to be sent', async () =>
      (await jobOf(fx.app, location)).sent >= 2 ? true : undefined,
    );
    const res = await fx.app.inject({ method: 'POST', url: `/api/redrive-jobs/${job.id}/cancel` });
    assert.equal(res.statusCode, 200);
    const cancelled = res.json().job as RedriveJob;
    assert.equal(cancelled.state, 'cancelled');
    assert.ok(cancelled.sent < 80, `stopped early: ${cancelled.sent} sent`);
    assert.equal((await jobOf(fx.app, location)).sent, cancelled.sent);
    assert.equal((await copies(fx.context, 'CANCEL')).size, cancelled.sent);
    assert.equal((await failureGroup(fx.app, 'CANCEL'))?.count, 80 - cancelled.sent);
    const again = await fx.app.inject({ method: 'POST', url: `/api/redrive-jobs/${job.id}/cancel` });
    assert.equal(again.json().job.state, 'cancelled', 'cancelling an ended job changes nothing');
  });

  it('answers 404 REDRIVE_JOB_NOT_FOUND for an id that is no job', async () => {
    for (const [method, url] of [
      ['GET', '/api/redrive-jobs/00000000-0000-4000-8000-000000000000'],
      ['GET', '/api/redrive-jobs/not-a-job-id'],
      ['POST', '/api/redrive-jobs/not-a-job-id/cancel'],
    ] as const) {
      const res = await fx.app.inject({ method, url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().code, 'REDRIVE_JOB_NOT_FOUND');
    }
  });

  describe('across a restart of the console', () => {
    const apps: App[] = [];
    const open = async (extra: Partial<ConsoleAppOptions> = {}) => {
      const built = await buildConsoleApp({
        brokers: [fx.broker.address],
        logger: pino({ level: 'silent' }),
        auditFile: join(fx.dataDir, 'restart-audit.jsonl'),
        redriveJobsFile: join(fx.dataDir, 'restart-jobs.jsonl'),
        redriveJobThreshold: THRESHOLD,
        redriveRatePerSecond: 10,
        ui: fx.ui,
        ...extra,
      });
      apps.push(built.app);
      return built;
    };
    after(async () => {
      for (const app of apps) await app.close();
    });

    it('marks a job stopped by a restart as interrupted, and a new redrive sends only the rest, each once', async () => {
      await addDeadLetters('RESTART', 40);
      const first = await open();
      const group = await failureGroup(first.app, 'RESTART');
      assert.ok(group);
      const { job, location } = await startJob(first.app, group.id);
      await eventually('a few to be sent', async () =>
        (await jobOf(first.app, location)).sent >= 3 ? true : undefined,
      );
      await first.app.close();
      const stopped = first.context.redriveJobs.get(job.id);
      assert.equal(stopped?.state, 'interrupted');
      const sentBefore = stopped?.sent ?? -1;
      assert.ok(sentBefore >= 3 && sentBefore < 40, `${sentBefore} sent before the stop`);

      const second = await open();
      const seen = await jobOf(second.app, location);
      assert.deepEqual({ state: seen.state, sent: seen.sent }, { state: 'interrupted', sent: sentBefore });
      await eventually('the restart to be settled', async () =>
        (await jobOf(second.app, location)).endedAt !== null ? true : undefined,
      );
      const audit = (await second.app.inject('/api/audit')).json().entries as {
        outcome: string;
        detail: string;
      }[];
      assert.ok(audit.some((e) => e.outcome === 'interrupted' && e.detail.includes(job.id)));

      assert.equal((await failureGroup(second.app, 'RESTART'))?.count, 40 - sentBefore);
      const rest = await startJob(second.app, group.id);
      assert.equal(rest.job.total, 40 - sentBefore);
      const done = await eventually('the second job to finish', async () => {
        const now = await jobOf(second.app, rest.location);
        return now.state === 'running' ? undefined : now;
      });
      assert.equal(done.state, 'done');
      const sent = await copies(second.context, 'RESTART');
      assert.equal(sent.size, 40);
      assert.ok(
        [...sent.values()].every((n) => n === 1),
        'no event was sent twice',
      );
    });

    it('keeps its journal short: a long one is rewritten with the jobs kept, their counts unchanged', async () => {
      const file = join(fx.dataDir, 'long-jobs.jsonl');
      const id = '22222222-2222-4222-8222-222222222222';
      const item = { dlq: DLQ, partition: 0, offset: '0' };
      const lines = [
        {
          type: 'start',
          job: {
            id,
            state: 'running',
            who: 'ops',
            target: 'failure group x',
            total: 12_000,
            sent: 0,
            skipped: 0,
            failed: 0,
            startedAt: '2026-01-01T00:00:00.000Z',
            endedAt: null,
            detail: null,
            failures: [],
            skippedItems: [],
          },
        },
        ...Array.from({ length: 12_000 }, () => ({ type: 'sent', id, item })),
        { type: 'end', id, state: 'done', at: '2026-01-01T00:10:00.000Z', detail: null },
      ];
      await appendFile(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
      for (let run = 0; run < 2; run++) {
        const { app } = await open({ redriveJobsFile: file });
        const job = (await app.inject(`/api/redrive-jobs/${id}`)).json().job as RedriveJob;
        assert.deepEqual({ state: job.state, sent: job.sent }, { state: 'done', sent: 12_000 }, `run ${run}`);
        await app.close();
        assert.equal((await readFile(file, 'utf8')).trim().split('\n').length, 2, 'a start and an end line');
      }
    });

    it('keeps what it records after a line a power cut tore, in the job journal and the audit log', async () => {
      const jobsFile = join(fx.dataDir, 'torn-jobs.jsonl');
      const auditFile = join(fx.dataDir, 'torn-audit.jsonl');
      // The last line of each lost its end (and its newline) to a power cut.
      await writeFile(jobsFile, '{"type":"start","job":{"id":"33333333-3333-4333-8333-3');
      const earlier = { at: '2026-01-01T00:00:00.000Z', who: 'ops', action: 'redrive', target: 't' };
      await writeFile(
        auditFile,
        `${JSON.stringify({ ...earlier, outcome: 'ok', detail: 'before the cut' })}\n{"at":"2026-01-01T00:00:01`,
      );
      await addDeadLetters('TORN', THRESHOLD + 3);
      const first = await open({ redriveJobsFile: jobsFile, auditFile });
      const group = await failureGroup(first.app, 'TORN');
      assert.ok(group);
      const { job, location } = await startJob(first.app, group.id);
      await eventually('the job to finish', async () =>
        (await jobOf(first.app, location)).state === 'done' ? true : undefined,
      );
      await first.app.close();

      const second = await open({ redriveJobsFile: jobsFile, auditFile });
      const seen = await jobOf(second.app, location);
      assert.deepEqual({ state: seen.state, sent: seen.sent }, { state: 'done', sent: THRESHOLD + 3 });
      const audit = (await second.app.inject('/api/audit')).json().entries as { detail: string }[];
      assert.ok(
        audit.some((e) => e.detail === 'before the cut'),
        'the complete line before the torn one',
      );
      assert.equal(audit.filter((e) => e.detail.includes(job.id)).length, 2, 'the job start and end entries');
    });

    it('after a stop between sending a dead letter and marking it, marks it instead of sending it again', async () => {
      await addDeadLetters('INDOUBT', 8);
      const { app, context } = await open({ redriveJobsFile: join(fx.dataDir, 'in-doubt-jobs.jsonl') });
      const group = await failureGroup(app, 'INDOUBT');
      assert.ok(group);
      const letters = (await context.deadLetters.select({ failureGroup: group.id })).sort(
        (a, b) => Number(a.offset) - Number(b.offset),
      );
      // What a console killed right after producing letters[0] (and before its mark) leaves behind: the
      // journal says it was being sent, the copy is in the topic, no mark exists.
      const from = (await context.cluster.offsets(new Map([[ORIGIN, 1]]))).get(ORIGIN)?.[0]?.end ?? 0n;
      const d = letters[0];
      await context.cluster.produce([
        {
          topic: ORIGIN,
          key: d.message.key,
          value: Buffer.from(d.message.text ?? ''),
          headers: { ...d.message.headers, 'tributary-redrive-count': '1' },
        },
      ]);
      const id = '11111111-1111-4111-8111-111111111111';
      const item = { dlq: d.dlq, partition: d.partition, offset: d.offset };
      const started = {
        id,
        state: 'running',
        who: 'ops',
        target: `failure group ${group.id}`,
        total: 8,
        sent: 0,
        skipped: 0,
        failed: 0,
        startedAt: new Date().toISOString(),
        endedAt: null,
        detail: null,
        failures: [],
        skippedItems: [],
      };
      await appendFile(
        join(fx.dataDir, 'in-doubt-jobs.jsonl'),
        `${JSON.stringify({ type: 'start', job: started })}\n${JSON.stringify({
          type: 'sending',
          id,
          item,
          eventId: d.eventId,
          redriveCount: '1',
          toTopic: ORIGIN,
          from: { '0': String(from) },
        })}\n`,
      );
      await app.close();

      const next = await open({ redriveJobsFile: join(fx.dataDir, 'in-doubt-jobs.jsonl') });
      const settled = await eventually('the interrupted job to be settled', async () => {
        const job = (await next.app.inject(`/api/redrive-jobs/${id}`)).json().job as RedriveJob;
        return job.detail?.includes('being settled') === false ? job : undefined;
      });
      assert.equal(settled.sent, 1, 'the copy found in the topic counts as sent');
      assert.match(settled.detail ?? '', /had reached orders and is now marked/);
      assert.equal((await failureGroup(next.app, 'INDOUBT'))?.count, 7);
      const rest = await startJob(next.app, group.id);
      await eventually('the rest to be sent', async () => {
        const now = await jobOf(next.app, rest.location);
        return now.state === 'running' ? undefined : now;
      });
      const sent = await copies(next.context, 'INDOUBT');
      assert.equal(sent.size, 8);
      assert.ok(
        [...sent.values()].every((n) => n === 1),
        'no event was sent twice',
      );
    });
  });
});
