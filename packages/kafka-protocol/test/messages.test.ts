import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  apiDefinitions,
  apiSchemas,
  decodeRequestBody,
  decodeRequestHeader,
  decodeResponse,
  defaultValue,
  encodeRequest,
  encodeResponse,
  type FieldSchema,
  ProtocolError,
  type RequestBodies,
} from '@tributary/kafka-protocol';
import fc from 'fast-check';

type Arb = fc.Arbitrary<unknown>;
const inRange = (r: [number, number] | undefined, v: number) => r !== undefined && v >= r[0] && v <= r[1];

/** fast-check builds records without Object.prototype; the codec builds plain objects. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** Arbitrary bodies built from the schema: only fields of that version, nulls only where allowed. */
function bodyArb(fields: FieldSchema[], version: number): fc.Arbitrary<Record<string, unknown>> {
  const shape: Record<string, Arb> = {};
  for (const f of fields) {
    if (!inRange(f.versions, version)) {
      shape[f.name] = fc.constant(defaultValue(f));
      continue;
    }
    const nullable = inRange(f.nullable, version) || (f.type === 'records' && !f.array);
    let one: Arb;
    switch (f.type) {
      case 'int8':
        one = fc.integer({ min: -128, max: 127 });
        break;
      case 'int16':
        one = fc.integer({ min: -32768, max: 32767 });
        break;
      case 'uint16':
        one = fc.integer({ min: 0, max: 65535 });
        break;
      case 'int32':
        one = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
        break;
      case 'uint32':
        one = fc.integer({ min: 0, max: 2 ** 32 - 1 });
        break;
      case 'int64':
        one = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
        break;
      case 'float64':
        one = fc.double({ noNaN: true });
        break;
      case 'bool':
        one = fc.boolean();
        break;
      case 'uuid':
        one = fc.uuid().map((u) => u.toLowerCase());
        break;
      case 'string':
        one = fc.string({ maxLength: 20 });
        break;
      case 'bytes':
      case 'records':
        one = fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b));
        break;
      default:
        one = bodyArb(f.fields ?? [], version);
    }
    if (f.array) one = fc.array(one, { maxLength: 2 });
    if (nullable) one = fc.option(one, { nil: null });
    shape[f.name] = one;
  }
  return fc.record(shape);
}

describe('request and response codecs', () => {
  for (const schema of apiSchemas.values()) {
    it(`${schema.name}: decode(encode(x)) = x for every version ${schema.minVersion}-${schema.maxVersion}`, () => {
      for (let v = schema.minVersion; v <= schema.maxVersion; v++) {
        fc.assert(
          fc.property(
            bodyArb(schema.request, v),
            fc.integer({ min: 0, max: 2 ** 31 - 1 }),
            (body, correlationId) => {
              const frame = encodeRequest(
                schema.apiKey as keyof RequestBodies,
                v,
                { correlationId, clientId: 'c' },
                body as never,
              );
              assert.equal(frame.readInt32BE(0), frame.length - 4);
              const { header, bodyOffset } = decodeRequestHeader(frame.subarray(4));
              assert.deepEqual(header, {
                apiKey: schema.apiKey,
                apiVersion: v,
                correlationId,
                clientId: 'c',
              });
              assert.deepEqual(
                decodeRequestBody(schema.apiKey as keyof RequestBodies, v, frame.subarray(4), bodyOffset),
                plain(body),
              );
            },
          ),
          { numRuns: 15 },
        );
        fc.assert(
          fc.property(bodyArb(schema.response, v), (body) => {
            const frame = encodeResponse(schema.apiKey as keyof RequestBodies, v, 7, body as never);
            const decoded = decodeResponse(schema.apiKey as keyof RequestBodies, v, frame.subarray(4));
            assert.equal(decoded.correlationId, 7);
            assert.deepEqual(decoded.body, plain(body));
          }),
          { numRuns: 15 },
        );
      }
    });
  }

  it('uses response header v0 for ApiVersions even in flexible versions and v1 for other flexible APIs', () => {
    const api = encodeResponse(18, 3, 9, { errorCode: 0, apiKeys: [], throttleTimeMs: 0 });
    // size, correlation id, then straight into the body: errorCode int16 (no tagged-field byte before it)
    assert.deepEqual([...api.subarray(4, 10)], [0, 0, 0, 9, 0, 0]);
    const meta = encodeResponse(3, 9, 9, {
      throttleTimeMs: 0,
      brokers: [],
      clusterId: null,
      controllerId: 1,
      topics: [],
    } as never);
    assert.deepEqual(
      [...meta.subarray(4, 9)],
      [0, 0, 0, 9, 0],
      'empty tagged section after the correlation id',
    );
    const old = encodeResponse(3, 8, 9, {
      throttleTimeMs: 5,
      brokers: [],
      clusterId: null,
      controllerId: 1,
      topics: [],
    } as never);
    assert.deepEqual([...old.subarray(8, 12)], [0, 0, 0, 5], 'no tagged section before v9');
  });

  it('keeps the int16 client id in flexible request headers, followed by a tagged section', () => {
    const frame = encodeRequest(
      18,
      3,
      { correlationId: 1, clientId: 'ab' },
      { clientSoftwareName: 'x', clientSoftwareVersion: 'y' },
    );
    assert.deepEqual([...frame.subarray(4, 17)], [0, 18, 0, 3, 0, 0, 0, 1, 0, 2, 0x61, 0x62, 0]);
  });

  it('reads the header of an ApiVersions request newer than it knows, and refuses other unknown versions', () => {
    const frame = Buffer.from([0, 18, 0, 42, 0, 0, 0, 5, 0xff, 0xff, 0]);
    assert.deepEqual(decodeRequestHeader(frame).header, {
      apiKey: 18,
      apiVersion: 42,
      correlationId: 5,
      clientId: null,
    });
    assert.throws(
      () => decodeRequestHeader(Buffer.from([0, 3, 0, 42, 0, 0, 0, 5, 0xff, 0xff])),
      (e: unknown) => e instanceof ProtocolError && e.code === 'UNSUPPORTED_VERSION',
    );
    assert.throws(
      () => decodeRequestHeader(Buffer.from([0, 99, 0, 0, 0, 0, 0, 5])),
      (e: unknown) => e instanceof ProtocolError && e.code === 'UNKNOWN_API_KEY' && e.correlationId === 5,
    );
  });

  it('throws only ProtocolError on random bytes (property)', () => {
    const keys = [...apiDefinitions.keys()];
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.nat(20),
        fc.uint8Array({ maxLength: 200 }),
        (apiKey, vOff, bytes) => {
          const def = apiDefinitions.get(apiKey)!;
          const version = def.minVersion + (vOff % (def.maxVersion - def.minVersion + 1));
          try {
            decodeRequestBody(apiKey as keyof RequestBodies, version, Buffer.from(bytes), 0);
          } catch (err) {
            assert.ok(err instanceof ProtocolError, String(err));
          }
          try {
            decodeRequestHeader(Buffer.from(bytes));
          } catch (err) {
            assert.ok(err instanceof ProtocolError, String(err));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
