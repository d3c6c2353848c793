import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import { type App, createApp, createLogger, textSchema } from '../../src/index.ts';

let app: App;
const received: unknown[] = [];

before(async () => {
  app = await createApp({ logger: createLogger({ name: 'text-schema', level: 'silent' }) });
  app.post(
    '/notes',
    {
      schema: {
        body: Type.Object(
          {
            title: textSchema({ minLength: 1, maxLength: 20 }),
            text: Type.Optional(textSchema({ multiline: true })),
          },
          { additionalProperties: false },
        ),
        headers: Type.Object({ 'x-tag': Type.Optional(textSchema()) }),
      },
    },
    async (request, reply) => {
      received.push(request.body);
      return reply.code(201).send(request.body);
    },
  );
  await app.ready();
});

after(() => app.close());

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/notes', payload: payload as Record<string, unknown>, headers });

describe('text schemas', () => {
  test('refuse control characters and lone surrogates with a 400 naming the field and the reason', async () => {
    const before = received.length;
    for (const title of ['a\u0000b', 'tab\there', 'line\nbreak', 'del\u007f', 'c1\u0085', 'lone \ud800']) {
      const response = await post({ title });
      assert.equal(response.statusCode, 400, JSON.stringify(title));
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      const problem = response.json();
      assert.equal(problem.code, 'VALIDATION_FAILED');
      assert.equal(problem.title, 'Validation failed');
      assert.deepEqual(problem.errors, [
        { path: '/body/title', message: 'must not contain control characters or line breaks' },
      ]);
    }
    const multi = await post({ title: 'ok', text: 'first\r\nsecond\u0000' });
    assert.equal(multi.statusCode, 400);
    assert.deepEqual(multi.json().errors, [
      { path: '/body/text', message: 'must not contain control characters other than tabs and line breaks' },
    ]);
    const header = await post({ title: 'ok' }, { 'x-tag': 'a\u0085b' });
    assert.equal(header.statusCode, 400);
    assert.equal(header.json().errors[0].path, '/headers/x-tag');
    assert.equal(received.length, before, 'the handler must not run');
  });

  test('accept any other text, tabs and line breaks where multi-line text is allowed', async () => {
    const body = { title: 'Zoë 😀 ∑ 中文', text: 'first line\n\tsecond line\r\nthird' };
    const response = await post(body);
    assert.equal(response.statusCode, 201, response.body);
    assert.deepEqual(response.json(), body);
  });

  test('keep the length limits they are given', async () => {
    assert.equal((await post({ title: '' })).statusCode, 400);
    assert.equal((await post({ title: 'x'.repeat(21) })).statusCode, 400);
    assert.equal((await post({ title: 'x'.repeat(20) })).statusCode, 201);
  });
});
