import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DatabaseError, isDatabaseUnavailable } from '@tributary/database';
import { createOwnPostgres, eventually, type OwnPostgres } from '@tributary/database/testing';
import { startServiceDatabase } from '../../src/index.ts';

const migrations = [{ id: '001-things', sql: 'CREATE TABLE things (id int PRIMARY KEY)' }];

describe('service database', { timeout: 120_000 }, () => {
  let own: OwnPostgres | undefined;
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers) await close();
    await own?.destroy();
  });

  it('answers DB_NOT_READY while its database is down at startup, keeps trying, and is ready once it is up', async () => {
    const server = await createOwnPostgres();
    own = server;
    const db = startServiceDatabase({
      databaseUrl: server.url,
      schema: 'service_db_test',
      migrations,
      retryMaxDelayMs: 200,
    });
    closers.push(() => db.close());
    const early = await db.query('SELECT 1').catch((error: unknown) => error);
    assert.ok(early instanceof DatabaseError && early.code === 'DB_NOT_READY' && early.retriable);
    assert.ok(isDatabaseUnavailable(early));
    await eventually(async () => {
      const error = await db.query('SELECT 1').catch((e: unknown) => e);
      return /ECONNREFUSED/.test(String((error as Error).message)) ? true : undefined;
    }, 'the reason to name the refused connection');
    assert.equal(db.isReady, false);

    await server.start();
    await db.ready;
    assert.equal(db.isReady, true);
    await db.query('INSERT INTO things VALUES (1)');
    assert.deepEqual((await db.query('SELECT id FROM things')).rows, [{ id: 1 }]);
  });

  it('gives up on a migration that fails for another reason than the connection', async () => {
    const db = startServiceDatabase({
      schema: 'unused',
      migrations: [{ id: '001-broken', sql: 'CREATE TABLE (' }],
    });
    closers.push(() => db.close());
    await assert.rejects(
      db.ready,
      (error) => error instanceof DatabaseError && error.code === 'DB_MIGRATION_FAILED',
    );
    assert.equal(db.isReady, false);
  });
});
