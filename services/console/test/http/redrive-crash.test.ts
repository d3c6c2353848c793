// A console process killed (SIGKILL) in the middle of a redrive job: on its next start the job is recorded
// as interrupted, the dead letters it sent are recognised (marked, the one in flight looked up in its
// topic), and a new redrive of the group sends only the rest. Whatever instant the kill lands on, no event
// reaches its topic twice.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RetryHeaders } from '@tributary/messaging';
import { eventually, useConsole } from '../support/console-fixture.ts';
import { type ConsoleProcess, startConsoleProcess } from '../support/console-process.ts';

const fx = useConsole();
const ORIGIN = 'shipments';
const DLQ = 'shipments.courier.dlq';
const COUNT = 20;

interface Job {
  id: string;
  state: string;
  sent: number;
  total: number;
  endedAt: string | null;
  detail: string | null;
}

async function json<T>(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

async function groupId(base: string): Promise<{ id: string; count: number } | undefined> {
  const { body } = await json<{ groups: { id: string; errorCode: string; count: number }[] }>(
    `${base}/api/dead-letters`,
  );
  return body.groups.find((g) => g.errorCode === 'COURIER_DOWN');
}

async function redrive(base: string, failureGroup: string): Promise<string> {
  const res = await json<{ job: Job }>(`${base}/api/dead-letters/redrive`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ failureGroup, dryRun: false, confirm: true }),
  });
  assert.equal(res.status, 202);
  return `${base}${res.headers.get('location')}`;
}

async function copies(): Promise<Map<string, number>> {
  fx.context.topics.forget(ORIGIN);
  const { records } = await fx.context.deadLetters.readAll(ORIGIN, 1_000_000);
  const counts = new Map<string, number>();
  for (const r of records) {
    const id = r.headers.find(([k]) => k === 'ce_id')?.[1]?.toString('utf8') ?? '';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('a console killed mid-redrive', { timeout: 240_000 }, () => {
  const processes: ConsoleProcess[] = [];
  let env: Record<string, string>;
  before(async () => {
    await fx.context.cluster.createTopic(ORIGIN, 1);
    await fx.context.cluster.createTopic(DLQ, 1);
    await fx.context.cluster.produce(
      Array.from({ length: COUNT }, (_, i) => ({
        topic: DLQ,
        key: `shipment-${i}`,
        value: Buffer.from(JSON.stringify({ shipmentId: `shipment-${i}` })),
        headers: {
          ce_id: `shipment-${i}`,
          ce_type: 'tributary.shipment.booked.v1',
          [RetryHeaders.originalTopic]: ORIGIN,
          [RetryHeaders.group]: 'courier',
          [RetryHeaders.errorCode]: 'COURIER_DOWN',
          [RetryHeaders.errorMessage]: 'courier API down',
        },
      })),
    );
    env = {
      KAFKA_BROKERS: fx.broker.address,
      DATA_DIR: join(fx.dataDir, 'killed-console'),
      REDRIVE_RATE_PER_SECOND: '5',
      REDRIVE_JOB_THRESHOLD: '5',
    };
  });
  after(async () => {
    for (const p of processes) await p.kill();
  });

  it('records the job as interrupted on the next start, and the rest is sent once by a new redrive', async () => {
    const first = startConsoleProcess(env);
    processes.push(first);
    const base = await first.ready;
    // Open on loopback without CONSOLE_TOKEN or AUTH_MODE=jwt, and its log says so.
    assert.ok(
      first.lines.some((l) => l.level === 40 && String(l.msg).startsWith('authentication: none')),
      'a warning names the open console',
    );
    const group = await groupId(base);
    assert.equal(group?.count, COUNT);
    const location = await redrive(base, group.id);
    await eventually('a few to be sent', async () => {
      const { body } = await json<{ job: Job }>(location);
      return body.job.sent >= 3 ? true : undefined;
    });
    await first.kill();

    const second = startConsoleProcess(env);
    processes.push(second);
    const again = await second.ready;
    const relocated = location.replace(base, again);
    const job = await eventually('the killed job to be settled', async () => {
      const { body } = await json<{ job: Job }>(relocated);
      return body.job.endedAt !== null ? body.job : undefined;
    });
    assert.equal(job.state, 'interrupted');
    const sentBefore = await copies();
    assert.ok(
      [...sentBefore.values()].every((n) => n === 1),
      'nothing was sent twice',
    );
    assert.equal(job.sent, sentBefore.size, 'the job counts what reached the topic');
    assert.ok(job.sent >= 3 && job.sent < COUNT, `${job.sent} sent before the kill`);
    assert.equal((await groupId(again))?.count, COUNT - job.sent, 'what was sent is no dead letter any more');
    const { body: audit } = await json<{ entries: { outcome: string; detail: string }[] }>(
      `${again}/api/audit`,
    );
    assert.ok(audit.entries.some((e) => e.outcome === 'interrupted' && e.detail.includes(job.id)));

    const rest = await redrive(again, group.id);
    const done = await eventually('the rest to be sent', async () => {
      const { body } = await json<{ job: Job }>(rest);
      return body.job.state === 'running' ? undefined : body.job;
    });
    assert.equal(done.state, 'done');
    assert.equal(done.sent, COUNT - job.sent);
    const all = await copies();
    assert.equal(all.size, COUNT);
    assert.ok(
      [...all.values()].every((n) => n === 1),
      'no event was sent twice',
    );
  });
});
