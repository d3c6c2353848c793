import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import pg from 'pg';
import { createPostgresDatabase } from '../src/postgres-database.ts';
import { errorSummary, rootCauseOf } from '../src/root-cause.ts';

/** A real refused connection (nothing listens on port 1). */
function refused(): Promise<Error> {
  return new Promise((resolve) => {
    const socket = connect(1, '127.0.0.1');
    socket.once('error', (error) => resolve(error));
  });
}

describe('rootCauseOf', () => {
  it('names a refused socket as errno and address, however deeply it is wrapped', async () => {
    const socketError = await refused();
    assert.equal(rootCauseOf(socketError), 'ECONNREFUSED 127.0.0.1:1');
    const wrapped = new Error('publish failed', { cause: new AggregateError([socketError], 'all attempts') });
    assert.equal(rootCauseOf(wrapped), 'ECONNREFUSED 127.0.0.1:1');
  });

  it('reaches through the database port to the driver error', async () => {
    const db = createPostgresDatabase({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    try {
      const error = await db.query('SELECT 1').catch((e: unknown) => e);
      assert.equal(rootCauseOf(error), 'ECONNREFUSED 127.0.0.1:1');
    } finally {
      await db.close();
    }
  });
});

describe('errorSummary', () => {
  it('keeps name, code and the chain of messages, never the client pg hangs on an error', async () => {
    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    const error = (await client.connect().catch((e: unknown) => e)) as Error & { client?: unknown };
    error.client = client;
    const summary = errorSummary(new Error('cannot get a connection', { cause: error }));
    assert.deepEqual(summary, {
      type: 'Error',
      message: `cannot get a connection: ${error.message}`,
    });
    assert.doesNotMatch(JSON.stringify(errorSummary(error)), /secretKey|processID|client/);
  });
});
