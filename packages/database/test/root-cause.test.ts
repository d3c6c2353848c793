import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import pg from 'pg';
import { createPostgresDatabase } from '../src/postgres-database.ts';
import { errorSummary, rootCauseOf } from '../src/root-cause.ts';

/** A loopback port nothing listens on: one the kernel just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const port = await closedPort();
const url = `postgres://postgres@127.0.0.1:${port}/test`;
// Every connection below is refused at once; a test that waits longer than this is broken, not slow.
const limit = { timeout: 30_000 };

/** A real refused connection. */
function refused(): Promise<Error> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', (error) => resolve(error));
  });
}

describe('rootCauseOf', limit, () => {
  it('names a refused socket as errno and address, however deeply it is wrapped', async () => {
    const socketError = await refused();
    assert.equal(rootCauseOf(socketError), `ECONNREFUSED 127.0.0.1:${port}`);
    const wrapped = new Error('publish failed', { cause: new AggregateError([socketError], 'all attempts') });
    assert.equal(rootCauseOf(wrapped), `ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('reaches through the database port to the driver error', async () => {
    const db = createPostgresDatabase({ connectionString: url, connectTimeoutMs: 5_000 });
    try {
      const error = await db.query('SELECT 1').catch((e: unknown) => e);
      assert.equal(rootCauseOf(error), `ECONNREFUSED 127.0.0.1:${port}`);
    } finally {
      await db.close();
    }
  });
});

describe('errorSummary', limit, () => {
  it('keeps name, code and the chain of messages, never the client pg hangs on an error', async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
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
