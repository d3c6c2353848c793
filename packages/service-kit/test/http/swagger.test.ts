import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import { type App, createApp, createLogger, problemResponse } from '../../src/index.ts';

let app: App;

before(async () => {
  app = await createApp({
    logger: createLogger({ name: 'swagger-test', level: 'silent' }),
    openapi: { title: 'User Service', version: '1.2.3' },
  });
  app.post(
    '/users',
    {
      schema: {
        summary: 'Register a user',
        body: Type.Object({ email: Type.String({ format: 'email' }) }, { additionalProperties: false }),
        response: {
          201: Type.Object({ id: Type.String({ format: 'uuid' }) }),
          409: problemResponse('Email already registered'),
        },
      },
    },
    async (_request, reply) => reply.code(201).send({ id: '6f1c1c3e-41b3-4a4f-9d7d-0c1b0f2f0a11' }),
  );
  await app.ready();
});

after(() => app.close());

describe('OpenAPI and Swagger UI', () => {
  test('serves the OpenAPI document at /swagger/json with registered routes', async () => {
    const response = await app.inject({ url: '/swagger/json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json();
    assert.match(doc.openapi, /^3\./);
    assert.deepEqual(doc.info, { title: 'User Service', version: '1.2.3' });
    const post = doc.paths['/users'].post;
    assert.equal(post.summary, 'Register a user');
    assert.deepEqual(post.requestBody.content['application/json'].schema.required, ['email']);
    assert.ok(post.responses['201']);
    assert.ok(doc.paths['/health/ready'].get);
  });

  test('documents problem+json error responses', async () => {
    const doc = (await app.inject({ url: '/swagger/json' })).json();
    const responses = doc.paths['/users'].post.responses;
    for (const status of ['409', '4XX', '5XX']) {
      const schema = responses[status].content['application/problem+json'].schema;
      assert.deepEqual(
        [...schema.required].sort(),
        ['code', 'detail', 'status', 'title', 'type'],
        `problem schema for ${status}`,
      );
    }
    assert.ok(doc.paths['/health/ready'].get.responses['503'].content['application/problem+json']);
  });

  test('serves Swagger UI at /swagger', async () => {
    const response = await app.inject({ url: '/swagger/' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /text\/html/);
    assert.match(response.body, /swagger/i);
  });
});
