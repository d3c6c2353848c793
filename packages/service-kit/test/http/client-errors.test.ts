import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { type App, createApp, createLogger } from '../../src/index.ts';

let app: App;
let port: number;

before(async () => {
  app = await createApp({ logger: createLogger({ name: 'client-errors', level: 'silent' }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  port = address.port;
});

after(() => app.close());

function rawExchange(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

test('a request that is not valid HTTP gets a 400 problem+json and the connection is closed', async () => {
  const response = await rawExchange('THIS IS NOT HTTP\r\n\r\n');
  const [head, body] = response.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 400 Bad Request/);
  assert.match(head, /Content-Type: application\/problem\+json/i);
  const problem = JSON.parse(body);
  assert.equal(problem.status, 400);
  assert.equal(problem.code, 'MALFORMED_REQUEST');
});

test('an invalid Content-Length is a problem+json 400, not a hang', async () => {
  const response = await rawExchange(
    'POST /health/live HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
  );
  const [head, body] = response.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 400/);
  assert.equal(JSON.parse(body).status, 400);
});
