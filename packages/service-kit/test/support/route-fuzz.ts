// Sends every route a service documents (its OpenAPI document at /swagger/json) generated input: path
// parameters, query strings, JSON bodies that mix the service's own field names with wrong types and odd
// text, several content types and Idempotency-Keys. Returns what broke the rules a client counts on: no
// answer is a 5xx, and every 4xx is an RFC 9457 problem+json. Seeded, so a failure replays.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '@tributary/service-kit';
import fc from 'fast-check';

export interface RouteFuzzOptions {
  /** Field names the service's bodies and query strings use, so that generated input reaches past the
   * first schema check. */
  fields: readonly string[];
  /** Values that name something the service has (a topic, a group), so that generated paths find it. */
  known?: readonly string[];
  /** Routes left out, as `GET /path/{param}`: streams that never end a response. */
  skip?: readonly string[];
  runs: number;
  seed: number;
}

export interface RouteFuzzFinding {
  route: string;
  status: number;
  request: string;
  response: string;
}

const ODD_TEXT = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1e400',
    'null',
    'true',
    '%00',
    '..',
    '\u0000',
    '9007199254740993',
    '00000000-0000-4000-8000-000000000000',
    'Ada@Example.org',
    'x'.repeat(5000),
  ),
);

function value(fields: readonly string[], oddText: fc.Arbitrary<string>) {
  const scalar = fc.oneof(oddText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  const record = fc.dictionary(fc.constantFrom(...fields), scalar, { maxKeys: 5 });
  return fc.oneof(scalar, fc.array(record, { maxLength: 3 }), record);
}

export async function fuzzDocumentedRoutes(app: App, options: RouteFuzzOptions): Promise<RouteFuzzFinding[]> {
  const doc = (await app.inject('/swagger/json')).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  const routes = Object.entries(doc.paths)
    .flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => ({ path, method: method.toUpperCase() })),
    )
    .filter((r) => !options.skip?.includes(`${r.method} ${r.path}`));
  if (routes.length === 0) throw new Error('the service documents no routes');
  const fields = options.fields;
  const known = options.known ?? [];
  const oddText = known.length === 0 ? ODD_TEXT : fc.oneof(ODD_TEXT, fc.constantFrom(...known));
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.dictionary(fc.constantFrom(...fields), value(fields, oddText), { maxKeys: 6 }),
  );
  const findings: RouteFuzzFinding[] = [];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.array(oddText, { minLength: 3, maxLength: 3 }),
      fc.dictionary(fc.constantFrom(...fields, 'limit', 'cursor'), oddText, { maxKeys: 4 }),
      body,
      fc.option(oddText),
      fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', undefined),
      async (route, params, query, payload, idempotencyKey, contentType) => {
        let i = 0;
        const path = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(params[i++]));
        const search = new URLSearchParams(query).toString();
        const url = search === '' ? path : `${path}?${search}`;
        const headers: Record<string, string> = {};
        // Header values must be visible ASCII on the wire.
        if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey.replace(/[^\x20-\x7e]/g, '');
        if (contentType !== undefined) headers['content-type'] = contentType;
        const res = await app.inject({
          method: route.method as 'GET',
          url,
          headers,
          payload: route.method === 'GET' ? undefined : JSON.stringify(payload),
        });
        const problem = String(res.headers['content-type']).startsWith('application/problem+json');
        if (res.statusCode >= 500 || (res.statusCode >= 400 && !problem)) {
          findings.push({
            route: `${route.method} ${route.path}`,
            status: res.statusCode,
            request: JSON.stringify({ url, headers, payload }).slice(0, 500),
            response: res.body.slice(0, 300),
          });
        }
      },
    ),
    { numRuns: options.runs, seed: options.seed },
  );
  return findings;
}

/**
 * Registers, for each database, a test that fuzzes the documented routes of the app `open` builds on it
 * and expects no finding; afterwards the app is closed and `drop` removes its database.
 */
export function describeRouteFuzz(
  service: string,
  open: (kind: 'pglite' | 'postgres') => Promise<{ app: App; drop: () => Promise<void> }>,
  fields: readonly string[],
): void {
  for (const kind of ['pglite', 'postgres'] as const) {
    describe(`${service} routes under generated input on ${kind}`, () => {
      let opened: { app: App; drop: () => Promise<void> } | undefined;
      before(async () => {
        opened = await open(kind);
        await opened.app.ready();
      });
      after(async () => {
        await opened?.app.close();
        await opened?.drop();
      });

      it('answers every documented route with no 5xx, and every refusal as problem+json', async () => {
        assert.deepEqual(await fuzzDocumentedRoutes(opened!.app, { fields, runs: 600, seed: 20261203 }), []);
      });
    });
  }
}
