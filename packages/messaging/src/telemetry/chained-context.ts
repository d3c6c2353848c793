// An OpenTelemetry Context that costs one small object per value set. The API's own context copies its
// whole map and makes three closures on every setValue; a consumed record sets two values (the remote span
// context its headers carry, then the span processing it) before its handler runs, on every record. Here a
// context is the value it adds and a link to the context it was made from; a lookup walks that chain, which
// holds a handful of entries (span, baggage, suppression) in practice.
import type { Context } from '@opentelemetry/api';

/** Marks a key that deleteValue took out: a lookup stops there. */
const DELETED: unique symbol = Symbol('deleted');

class ChainedContext implements Context {
  readonly #parent: ChainedContext | undefined;
  readonly #key: symbol | undefined;
  readonly #value: unknown;

  constructor(parent: ChainedContext | undefined, key: symbol | undefined, value: unknown) {
    this.#parent = parent;
    this.#key = key;
    this.#value = value;
  }

  getValue(key: symbol): unknown {
    for (let at: ChainedContext | undefined = this; at !== undefined; at = at.#parent) {
      if (at.#key === key) return at.#value === DELETED ? undefined : at.#value;
    }
    return undefined;
  }

  setValue(key: symbol, value: unknown): Context {
    return new ChainedContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return this.getValue(key) === undefined ? this : new ChainedContext(this, key, DELETED);
  }
}

/** The empty context to build on where a context starts from nothing (a consumed record, an outbox row). */
export const CHAINED_ROOT: Context = new ChainedContext(undefined, undefined, undefined);
