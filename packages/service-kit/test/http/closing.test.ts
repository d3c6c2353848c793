import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { type App, createApp, createLogger } from '../../src/index.ts';

interface SlowApp {
  app: App;
  slowStarted: Promise<void>;
  closeStarted: Promise<void>;
  release: () => void;
}

async function slowApp(): Promise<SlowApp> {
  const app = await createApp({ logger: createLogger({ name: 'closing', level: 'silent' }) });
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started!: () => void;
  const slowStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  app.get('/slow', async () => {
    started();
    await released;
    return { done: true };
  });
  app.get('/fast', async () => ({ fast: true }));
  const closeStarted = new Promise<void>((resolve) => app.addHook('preClose', async () => resolve()));
  return { app, slowStarted, closeStarted, release };
}

test('closing answers the in-flight request with Connection: close and serves nothing more on it', async (t) => {
  const { app, slowStarted, closeStarted, release } = await slowApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');

  const socket = connect(address.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  const closed = new Promise((resolve) => socket.on('close', resolve));
  // A pipelined second request: it must not be started once the app is closing.
  socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
  await slowStarted;
  const closing = app.close();
  await closeStarted;
  release();
  await closing;
  await closed;

  const text = Buffer.concat(chunks).toString('utf8');
  assert.match(text, /^HTTP\/1\.1 200/);
  assert.match(text, /\r\nconnection: close\r\n/i);
  assert.match(text, /\{"done":true\}$/);
  assert.doesNotMatch(text, /fast/);
});
