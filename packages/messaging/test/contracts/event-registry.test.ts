// Event definitions and the registry: what a definition must be, how versions and upcasters chain.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type TObject, Type } from 'typebox';
import { ceTypeOf, defineEvent, parseCeType } from '../../src/contracts/define-event.ts';
import { createEventRegistry, defineUpcaster } from '../../src/contracts/event-registry.ts';
import { MessagingArgumentError, SchemaInvalidError, UnknownEventTypeError } from '../../src/errors.ts';

const CountSchema = Type.Object({ id: Type.String(), n: Type.Integer() });

function v<S extends TObject = typeof CountSchema>(version: number, schema?: S) {
  return defineEvent({
    type: 'test.thing.counted',
    version,
    topic: 'things',
    key: 'id' as never,
    schema: (schema ?? CountSchema) as S,
  });
}

describe('defineEvent', () => {
  it('derives the CloudEvents type and parses it back', () => {
    assert.equal(v(3).ceType, 'tributary.test.thing.counted.v3');
    assert.equal(ceTypeOf('a.b', 2), 'tributary.a.b.v2');
    assert.deepEqual(parseCeType('tributary.order.status-changed.v12'), {
      type: 'order.status-changed',
      version: 12,
    });
    assert.equal(parseCeType('com.example.thing'), undefined);
    assert.equal(parseCeType('tributary.order.placed.v0'), undefined);
  });

  it('refuses malformed definitions', () => {
    const schema = Type.Object({ id: Type.String(), n: Type.Integer(), opt: Type.Optional(Type.String()) });
    const bad = (input: Record<string, unknown>) => () =>
      defineEvent({
        type: 'test.thing.counted',
        version: 1,
        topic: 'things',
        key: 'id',
        schema,
        ...input,
      } as never);
    assert.throws(bad({ type: 'Thing' }), MessagingArgumentError);
    assert.throws(bad({ version: 0 }), /positive integer/);
    assert.throws(bad({ topic: '' }), /topic/);
    assert.throws(bad({ key: 'n' }), /required string field/);
    assert.throws(bad({ key: 'opt' }), /required string field/);
  });

  it('validates payloads, listing every problem, and returns the valid payload', () => {
    const def = v(1);
    const data = { id: 'a', n: 1 };
    assert.equal(def.validate(data), data);
    assert.equal(def.check({ id: 'a' }), false);
    assert.throws(
      () => def.validate({ id: 5, n: 'x' }),
      (err) => err instanceof SchemaInvalidError && err.issues.map((i) => i.path).join() === '/id,/n',
    );
    assert.equal(def.keyOf(data), 'a');
  });
});

describe('EventRegistry', () => {
  it('chains upcasters v1 -> v2 -> v3 and validates every step', () => {
    const v1 = v(1);
    const v2 = v(2, Type.Object({ id: Type.String(), n: Type.Integer(), unit: Type.String() }));
    const v3 = v(
      3,
      Type.Object({ id: Type.String(), amount: Type.Object({ n: Type.Integer(), unit: Type.String() }) }),
    );
    const registry = createEventRegistry([v3, v1, v2], {
      upcasters: [
        defineUpcaster(v1, v2, (d) => ({ ...d, unit: 'piece' })),
        defineUpcaster(v2, v3, (d) => ({ id: d.id, amount: { n: d.n, unit: d.unit } })),
      ],
    });
    assert.deepEqual(
      registry.versionsOf('test.thing.counted').map((d) => d.version),
      [1, 2, 3],
    );
    assert.equal(registry.latest('test.thing.counted'), v3);
    assert.deepEqual(registry.read(v1.ceType, { id: 'a', n: 2 }, v3), {
      id: 'a',
      amount: { n: 2, unit: 'piece' },
    });
    assert.deepEqual(registry.topics(), ['things']);

    const broken = createEventRegistry([v1, v2], { upcasters: [defineUpcaster(v1, v2, (d) => d as never)] });
    assert.throws(
      () => broken.read(v1.ceType, { id: 'a', n: 2 }, v2),
      (err) => err instanceof SchemaInvalidError && /upcast from/.test(err.message),
      'an upcaster producing an invalid payload is caught',
    );
  });

  it('refuses duplicate versions, versions on different topics, bad upcasters, unknown types', () => {
    assert.throws(() => createEventRegistry([v(1), v(1)]), /defined twice/);
    const elsewhere = defineEvent({
      type: 'test.thing.counted',
      version: 2,
      topic: 'elsewhere',
      key: 'id',
      schema: Type.Object({ id: Type.String() }),
    });
    assert.throws(() => createEventRegistry([v(1), elsewhere]), /topic and key/);
    assert.throws(() => defineUpcaster(v(1), v(3), (d) => d), /N to N\+1/);
    const v1 = v(1);
    const v2 = v(2);
    assert.throws(
      () => createEventRegistry([v1], { upcasters: [defineUpcaster(v1, v2, (d) => d)] }),
      /not registered/,
    );
    assert.throws(
      () => createEventRegistry([v1]).read('tributary.other.thing.v1', {}, v1),
      UnknownEventTypeError,
    );
  });
});
