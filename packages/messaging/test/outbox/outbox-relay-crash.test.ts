// A relay process killed with SIGKILL after publishing but before recording it: nothing is lost.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Database } from '@tributary/database';
import { createPostgresDatabase, runMigrations } from '@tributary/database';
import { DATABASE_URL, eventually, uniqueSchema } from '@tributary/database/testing';
import { outbox } from '../../src/outbox/outbox.ts';
import { OUTBOX_MIGRATIONS } from '../../src/outbox/outbox-migrations.ts';

const relayProcess = fileURLToPath(new URL('./fixtures/relay-process.ts', import.meta.url));
const schema = uniqueSchema('crash');
const db = createPostgresDatabase({ connectionString: DATABASE_URL, schema, max: 2 });
const children = new Set<ChildProcess>();
let dir = '';

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function startRelayProcess(sinkFile: string, freezeAfter?: number) {
  const child = spawn(process.execPath, [relayProcess], {
    env: {
      ...process.env,
      DATABASE_URL,
      SCHEMA: schema,
      SINK_FILE: sinkFile,
      ...(freezeAfter === undefined ? {} : { FREEZE_AFTER: String(freezeAfter) }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const lines = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (output.includes(text)) resolve();
      };
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        check();
      });
      child.once('exit', (code) =>
        reject(new Error(`relay process exited (${code}) before printing ${text}`)),
      );
      check();
    });
  return { child, printed: lines };
}

async function enqueueEvents(target: Database, aggregates: string[], from: number, count: number) {
  await Promise.all(
    aggregates.map(async (aggregateId) => {
      for (let seq = from; seq < from + count; seq += 1) {
        await target.transaction((tx) =>
          outbox.enqueue(tx, {
            aggregateType: 'order',
            aggregateId,
            topic: 'orders',
            eventType: 'tributary.order.placed.v1',
            payload: { aggregateId, seq },
            headers: { ce_id: `${aggregateId}-${seq}` },
          }),
        );
      }
    }),
  );
}

it('delivers every event at least once, in order per aggregate, when the relay is killed mid-batch', async (t) => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-outbox-crash-'));
  const sinkFile = join(dir, 'published.jsonl');
  await runMigrations(db, OUTBOX_MIGRATIONS);
  const aggregates = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5'];
  await enqueueEvents(db, aggregates, 0, 10);

  // Freeze after the 13th message: published (in the file) but the batch's marks never commit.
  const first = startRelayProcess(sinkFile, 13);
  await first.printed('frozen');
  const exited = once(first.child, 'exit');
  first.child.kill('SIGKILL');
  const [, signal] = await exited;
  assert.equal(signal, 'SIGKILL');
  const pending = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM outbox WHERE status = 'pending'",
  );
  assert.ok(pending.rows[0]!.n > 50 - 13, `the killed batch left ${pending.rows[0]!.n} rows pending`);

  // More events arrive while no relay runs.
  await enqueueEvents(db, aggregates, 10, 4);

  const second = startRelayProcess(sinkFile);
  await second.printed('ready');
  await eventually(
    async () => {
      const left = await db.query("SELECT 1 FROM outbox WHERE status = 'pending' LIMIT 1");
      return left.rowCount === 0 ? true : undefined;
    },
    'every outbox row to be published',
    15_000,
  );
  const stopped = once(second.child, 'exit');
  second.child.kill('SIGTERM');
  assert.deepEqual(await stopped, [0, null]);

  const lines = (await readFile(sinkFile, 'utf8')).trim().split('\n');
  const events = lines.map(
    (line) => JSON.parse(JSON.parse(line).value) as { aggregateId: string; seq: number },
  );
  const seen = new Map<string, number>();
  for (const { aggregateId, seq } of events) {
    seen.set(`${aggregateId}/${seq}`, (seen.get(`${aggregateId}/${seq}`) ?? 0) + 1);
  }
  // Every event is there at least once; the ones published by the killed batch twice. The consumers'
  // inbox (keyed by ce_id) drops those duplicates.
  assert.equal(seen.size, aggregates.length * 14);
  const duplicates = [...seen.values()].filter((count) => count > 1).length;
  t.diagnostic(`${events.length} messages published for ${seen.size} events (${duplicates} delivered twice)`);
  assert.ok(duplicates >= 1, 'the message published just before the kill is expected again after restart');
  assert.ok([...seen.values()].every((count) => count <= 2));
  for (const aggregateId of aggregates) {
    const firstSeen: number[] = [];
    for (const event of events) {
      if (event.aggregateId === aggregateId && !firstSeen.includes(event.seq)) firstSeen.push(event.seq);
    }
    assert.deepEqual(
      firstSeen,
      Array.from({ length: 14 }, (_, seq) => seq),
      `order of ${aggregateId}`,
    );
  }
});
