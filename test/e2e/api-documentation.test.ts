// The OpenAPI documents are something a client team can work from: every documented request example,
// sent as it is, gets the documented success status; every documented error example carries its own code
// with the status and title the service really answers with; parameters and headers are described, enums
// are enums, defaults are not required, and no response is left as "Default Response".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '@tributary/database';
import { type App, PLATFORM_PROBLEM_TYPES, ProblemTypeRegistry } from '@tributary/service-kit';
import { pino } from 'pino';
import { ORDER_PROBLEM_TYPES } from '../../services/order-service/src/adapters/http/order-problem-types.ts';
import { buildOrderApp } from '../../services/order-service/src/app.ts';
import { ORDER_TRANSITIONS, type OrderStatus } from '../../services/order-service/src/domain/index.ts';
import { openTestDatabase as openOrderDb } from '../../services/order-service/test/support/db-fixture.ts';
import { USER_PROBLEM_TYPES } from '../../services/user-service/src/adapters/http/user-problem-types.ts';
import { buildUserApp } from '../../services/user-service/src/app.ts';
import { openTestDatabase as openUserDb } from '../../services/user-service/test/support/db-fixture.ts';

const logger = pino({ level: 'silent' });

interface Parameter {
  in: string;
  name: string;
  required?: boolean;
  description?: string;
  example?: unknown;
  schema: { default?: unknown };
}
interface Media {
  schema: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

const DOCUMENTED = (path: string) => !path.startsWith('/health') && !path.startsWith('/swagger');

function operations(doc: Doc): { path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths)
    .filter(([path]) => DOCUMENTED(path))
    .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
}

/** Every `anyOf` made only of string constants: what Swagger UI renders as `string | (string | ...)`. */
function literalUnions(value: unknown, at = '#'): string[] {
  if (value === null || typeof value !== 'object') return [];
  const node = value as Record<string, unknown>;
  const found: string[] = [];
  if (
    Array.isArray(node.anyOf) &&
    node.anyOf.every((m) => typeof (m as { const?: unknown }).const === 'string')
  )
    found.push(at);
  for (const [key, child] of Object.entries(node)) found.push(...literalUnions(child, `${at}/${key}`));
  return found;
}

function checkDocument(doc: Doc, app: App): void {
  assert.deepEqual(literalUnions(doc), [], 'string unions are documented as enums');
  for (const { path, method, op } of operations(doc)) {
    const where = `${method.toUpperCase()} ${path}`;
    for (const parameter of op.parameters ?? []) {
      assert.ok(parameter.description, `${where}: ${parameter.in} ${parameter.name} has a description`);
      if (parameter.schema.default !== undefined)
        assert.notEqual(
          parameter.required,
          true,
          `${where}: ${parameter.name} has a default, so is optional`,
        );
    }
    if (op.requestBody !== undefined)
      assert.ok(op.requestBody.content['application/json'].example, `${where}: the body has an example`);
    for (const [status, response] of Object.entries(op.responses)) {
      assert.notEqual(response.description, 'Default Response', `${where} ${status} is described`);
      const json = response.content?.['application/json'];
      if (json !== undefined) assert.ok(json.example !== undefined, `${where} ${status} has an example`);
      const problem = response.content?.['application/problem+json'];
      if (problem === undefined) continue;
      const examples = problem.examples
        ? Object.values(problem.examples).map((e) => e.value)
        : [problem.example];
      assert.ok(examples.length > 0 && examples[0] !== undefined, `${where} ${status} has an example`);
      for (const example of examples as { code: string; status: number; title: string }[]) {
        if (/^\d+$/.test(status)) assert.equal(example.status, Number(status), `${where} ${example.code}`);
        const type = app.problemTypes.get(example.code);
        assert.ok(type, `${where}: ${example.code} is a registered code`);
        assert.equal(type.status, example.status, `${where}: ${example.code} has one status`);
        assert.equal(type.title, example.title, `${where}: ${example.code} has one title`);
      }
    }
  }
}

/** Sends each operation's documented examples and asserts its documented success status. */
async function sendExamples(app: App, doc: Doc, prepare: (method: string, path: string) => Promise<void>) {
  for (const { path, method, op } of operations(doc)) {
    const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
    assert.equal(success.length, 1, `${method} ${path} documents one success status`);
    let url = path;
    const query = new URLSearchParams();
    const headers: Record<string, string> = {};
    for (const parameter of op.parameters ?? []) {
      if (parameter.example === undefined) continue;
      const value = String(parameter.example);
      if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(value));
      else if (parameter.in === 'query') query.set(parameter.name, value);
      else if (parameter.in === 'header') headers[parameter.name] = value;
    }
    assert.ok(!url.includes('{'), `${method} ${path}: every path parameter has an example`);
    const body = op.requestBody?.content['application/json'].example;
    await prepare(method, path);
    const res = await app.inject({
      method: method.toUpperCase() as 'GET',
      url: query.size > 0 ? `${url}?${query}` : url,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    assert.equal(res.statusCode, Number(success[0]), `${method.toUpperCase()} ${url}: ${res.body}`);
  }
}

describe('the documented API', () => {
  it('gives each error code one status and title across the platform and both services', () => {
    // Throws ProblemTypeConflictError naming the code when two tables disagree.
    const registry = new ProblemTypeRegistry(PLATFORM_PROBLEM_TYPES, USER_PROBLEM_TYPES, ORDER_PROBLEM_TYPES);
    assert.ok(registry.codes().includes('USER_NOT_FOUND') && registry.codes().includes('USER_UNKNOWN'));
  });

  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  describe('User Service', () => {
    let app: App;
    let db: Database;
    before(async () => {
      const opened = await openUserDb('pglite');
      cleanups.push(opened.drop);
      db = opened.db;
      ({ app } = await buildUserApp({ db, logger }));
      cleanups.push(() => app.close());
      await app.ready();
    });

    it('describes every parameter, response and error with a real example', async () => {
      checkDocument((await app.inject({ url: '/swagger/json' })).json(), app);
    });

    it('answers every documented request example with its documented status', async () => {
      const doc = (await app.inject({ url: '/swagger/json' })).json() as Doc;
      const example = doc.paths['/users/{id}'].get.parameters?.find((p) => p.name === 'id')?.example;
      await db.query(
        `INSERT INTO users (id, email, name, status, created_at, updated_at)
         VALUES ($1, 'grace@example.com', 'Grace Hopper', 'active', now(), now())`,
        [example],
      );
      await sendExamples(app, doc, async () => {});
    });
  });

  describe('Order Service', () => {
    let app: App;
    let db: Database;
    before(async () => {
      const opened = await openOrderDb('pglite');
      cleanups.push(opened.drop);
      db = opened.db;
      ({ app } = await buildOrderApp({ db, logger }));
      cleanups.push(() => app.close());
      await app.ready();
    });

    it('describes every parameter, response and error with a real example', async () => {
      checkDocument((await app.inject({ url: '/swagger/json' })).json(), app);
    });

    it('answers every documented request example with its documented status', async () => {
      const doc = (await app.inject({ url: '/swagger/json' })).json() as Doc;
      const param = (path: string, name: string) =>
        Object.values(doc.paths[path])
          .flatMap((op) => op.parameters ?? [])
          .find((p) => p.name === name)?.example as string;
      const orderId = param('/orders/{id}', 'id');
      const userId = param('/orders', 'userId');
      await db.query(
        `INSERT INTO users_projection (id, email, name, status) VALUES ($1, 'a@b.c', 'A', 'active')`,
        [userId],
      );
      await db.query(
        `INSERT INTO orders (id, user_id, items, total_cents, status, created_at, updated_at)
         VALUES ($1, $2, '[{"sku":"BOOK-1","quantity":1,"unitPriceCents":100}]', 100, 'Pending', now(), now())`,
        [orderId, userId],
      );
      // Each lifecycle action's example meets the order in a status the action is allowed from.
      await sendExamples(app, doc, async (_method, path) => {
        const action = /\/orders\/\{id\}\/(\w+)$/.exec(path)?.[1];
        if (action === undefined) return;
        const to = { confirm: 'Confirmed', ship: 'Shipped', deliver: 'Delivered', cancel: 'Cancelled' }[
          action
        ];
        const from = (Object.keys(ORDER_TRANSITIONS) as OrderStatus[]).find((s) =>
          ORDER_TRANSITIONS[s].includes(to as OrderStatus),
        );
        await db.query('UPDATE orders SET status = $2 WHERE id = $1', [orderId, from]);
      });
    });
  });
});
