import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import { type App, AppError, createApp, createLogger, PROBLEM_CONTENT_TYPE } from '../../src/index.ts';

const User = Type.Object(
  {
    email: Type.String({ format: 'email' }),
    name: Type.String({ minLength: 1 }),
    age: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

class EmailTakenError extends AppError {
  constructor(email: string) {
    super({
      code: 'USER_EMAIL_TAKEN',
      status: 409,
      title: 'Email already registered',
      detail: `A user with email ${email} already exists.`,
      extra: { email },
    });
  }
}

let app: App;
const received: unknown[] = [];

before(async () => {
  app = await createApp({ logger: createLogger({ name: 'test', level: 'silent' }) });
  app.post('/users', { schema: { body: User, response: { 201: User } } }, async (request, reply) => {
    received.push(request.body);
    if (request.body.email === 'taken@example.com') throw new EmailTakenError(request.body.email);
    return reply.code(201).send(request.body);
  });
  app.get(
    '/users/:id',
    { schema: { params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) } },
    async (request) => ({ id: request.params.id }),
  );
  app.get(
    '/search',
    {
      schema: {
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          active: Type.Optional(Type.Boolean()),
        }),
        headers: Type.Object({ 'X-Api-Version': Type.Optional(Type.Integer({ minimum: 1 })) }),
      },
    },
    async (request) => ({ query: request.query, version: request.headers['x-api-version'] ?? null }),
  );
  app.get('/explode', async () => {
    throw new Error('secret connection string postgres://admin:hunter2@db');
  });
  await app.ready();
});

after(() => app.close());

function assertProblem(
  response: { statusCode: number; headers: Record<string, unknown>; body: string },
  status: number,
  code: string,
) {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const problem = JSON.parse(response.body);
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  assert.equal(typeof problem.type, 'string');
  assert.equal(typeof problem.title, 'string');
  assert.equal(typeof problem.detail, 'string');
  assert.equal(typeof problem.instance, 'string');
  return problem;
}

describe('problem+json responses', () => {
  test('malformed JSON is a 400 MALFORMED_JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": "a@example.com",',
    });
    const problem = assertProblem(response, 400, 'MALFORMED_JSON');
    assert.equal(problem.instance, '/users');
    assert.equal(problem.type, 'https://tributary.dev/problems/malformed-json');
  });

  test('wrong types are a 400 VALIDATION_FAILED naming each field, and are never coerced', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'not-an-email', name: 42, age: '7' },
    });
    const problem = assertProblem(response, 400, 'VALIDATION_FAILED');
    const paths = problem.errors.map((error: { path: string }) => error.path).sort();
    assert.deepEqual(paths, ['/body/age', '/body/email', '/body/name']);
    for (const error of problem.errors) assert.equal(typeof error.message, 'string');
  });

  test('missing and unknown fields are reported, unknown fields are not silently dropped', async () => {
    const before = received.length;
    const response = await app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'a@example.com', nickname: 'al', role: 'admin' },
    });
    const problem = assertProblem(response, 400, 'VALIDATION_FAILED');
    assert.deepEqual(problem.errors, [
      { path: '/body/name', message: 'is required' },
      { path: '/body/nickname', message: 'is not allowed' },
      { path: '/body/role', message: 'is not allowed' },
    ]);
    assert.equal(received.length, before, 'the handler must not run');
  });

  test('a valid body reaches the handler unchanged', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'ok@example.com', name: 'Ada', age: 36 },
    });
    assert.equal(response.statusCode, 201);
    assert.deepEqual(response.json(), { email: 'ok@example.com', name: 'Ada', age: 36 });
  });

  test('path parameters are converted from text and validated', async () => {
    assert.deepEqual((await app.inject({ url: '/users/12' })).json(), { id: 12 });
    const problem = assertProblem(await app.inject({ url: '/users/abc' }), 400, 'VALIDATION_FAILED');
    assert.equal(problem.errors[0].path, '/params/id');
  });

  test('query strings and headers are converted, defaulted and validated', async () => {
    const defaults = await app.inject({ url: '/search' });
    assert.deepEqual(defaults.json(), { query: { limit: 20 }, version: null });
    const given = await app.inject({ url: '/search?limit=5&active=true', headers: { 'x-api-version': '2' } });
    assert.deepEqual(given.json(), { query: { limit: 5, active: true }, version: 2 });
    const badQuery = assertProblem(await app.inject({ url: '/search?limit=500' }), 400, 'VALIDATION_FAILED');
    assert.equal(badQuery.errors[0].path, '/query/limit');
    assert.equal(badQuery.detail, 'The query string does not match its schema.');
    const badHeader = assertProblem(
      await app.inject({ url: '/search', headers: { 'x-api-version': 'two' } }),
      400,
      'VALIDATION_FAILED',
    );
    assert.equal(badHeader.errors[0].path, '/headers/x-api-version');
  });

  test('numbers in query, path and headers must be written as such: never truncated, guessed or defaulted', async () => {
    for (const limit of ['2.5', '1e1', '0x10', 'true', '', '%205', '5abc']) {
      const problem = assertProblem(
        await app.inject({ url: `/search?limit=${limit}` }),
        400,
        'VALIDATION_FAILED',
      );
      assert.equal(problem.title, 'Validation failed');
      assert.equal(problem.detail, 'The query string does not match its schema.');
      assert.deepEqual(
        problem.errors.map((error: { path: string }) => error.path),
        ['/query/limit'],
        limit,
      );
    }
    const path = assertProblem(await app.inject({ url: '/users/1.5' }), 400, 'VALIDATION_FAILED');
    assert.equal(path.errors[0].path, '/params/id');
    const header = assertProblem(
      await app.inject({ url: '/search', headers: { 'x-api-version': '2.9' } }),
      400,
      'VALIDATION_FAILED',
    );
    assert.equal(header.errors[0].path, '/headers/x-api-version');
    assert.deepEqual((await app.inject({ url: '/search?limit=007' })).json(), {
      query: { limit: 7 },
      version: null,
    });
  });

  test('a body of 1 MiB + 1 byte is a 413 PAYLOAD_TOO_LARGE', async () => {
    const filler = 'x'.repeat(1024 * 1024 + 1 - '{"email":"","name":"a"}'.length);
    const payload = `{"email":"${filler}","name":"a"}`;
    assert.equal(Buffer.byteLength(payload), 1024 * 1024 + 1);
    const response = await app.inject({
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    const problem = assertProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    assert.match(problem.detail, /1048576 bytes/);
  });

  test('a body of exactly 1 MiB is accepted by the parser', async () => {
    const filler = 'x'.repeat(1024 * 1024 - '{"email":"","name":"a"}'.length);
    const response = await app.inject({
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'application/json' },
      payload: `{"email":"${filler}","name":"a"}`,
    });
    // Reaches validation (the email format is wrong), so the size itself was accepted.
    assertProblem(response, 400, 'VALIDATION_FAILED');
  });

  test('an unsupported content type is a 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'application/xml' },
      payload: '<user/>',
    });
    assertProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('a text/plain body is a 415 too, never parsed as a string and validated', async () => {
    const before = received.length;
    const response = await app.inject({
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      payload: '{"email": "a@example.com", "name": "Ada"}',
    });
    const problem = assertProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(problem.title, 'Unsupported media type');
    assert.equal(
      problem.detail,
      'Content-Type "text/plain; charset=utf-8" is not supported; send application/json.',
    );
    assert.equal(received.length, before, 'the handler must not run');
  });

  test('an unknown route is a 404 ROUTE_NOT_FOUND', async () => {
    const problem = assertProblem(await app.inject({ url: '/nope?x=1' }), 404, 'ROUTE_NOT_FOUND');
    assert.equal(problem.instance, '/nope?x=1');
  });

  test('a known path with another method is a 405 METHOD_NOT_ALLOWED with Allow', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/users' });
    assertProblem(response, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(response.headers.allow, 'POST');
    const withParam = await app.inject({ method: 'PUT', url: '/users/7' });
    assertProblem(withParam, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(withParam.headers.allow, 'GET, HEAD');
  });

  test('a thrown AppError keeps its status, code, title, detail and extra fields', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'taken@example.com', name: 'Bob' },
    });
    const problem = assertProblem(response, 409, 'USER_EMAIL_TAKEN');
    assert.deepEqual(problem, {
      type: 'https://tributary.dev/problems/user-email-taken',
      title: 'Email already registered',
      status: 409,
      detail: 'A user with email taken@example.com already exists.',
      code: 'USER_EMAIL_TAKEN',
      instance: '/users',
      email: 'taken@example.com',
    });
  });

  test('an unexpected error is a 500 INTERNAL that leaks neither message nor stack', async () => {
    const response = await app.inject({ url: '/explode' });
    const problem = assertProblem(response, 500, 'INTERNAL');
    assert.doesNotMatch(response.body, /hunter2|secret|at .*\.ts/);
    assert.equal(problem.stack, undefined);
    assert.equal(problem.requestId, response.headers['x-request-id']);
  });

  test('the problem content type constant matches what is sent', () => {
    assert.equal(PROBLEM_CONTENT_TYPE, 'application/problem+json');
  });
});
