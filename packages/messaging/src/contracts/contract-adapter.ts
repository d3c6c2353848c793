// Event definitions made elsewhere (the contracts package) used by the messaging core: anything with a
// CloudEvents type, a topic, a key function and a validate that returns a result becomes a full
// EventDefinition, so the registry, the publisher and the consumer runner take it like one of their own.
import { type TObject, Type } from 'typebox';
import { MessagingArgumentError, SchemaInvalidError, type SchemaIssue } from '../errors.ts';
import { type AnyEventDefinition, parseCeType } from './define-event.ts';

export type ContractValidation<T> = { ok: true; value: T } | { ok: false; errors: readonly unknown[] };

/** The least the core needs of an event contract. */
export interface ContractDefinition<T = unknown> {
  /** `tributary.<type>.v<version>`. */
  readonly ceType: string;
  readonly topic: string;
  keyOf(payload: T): string;
  validate(payload: unknown): ContractValidation<T>;
  /** The payload schema, when the contract has one (documentation only). */
  readonly schema?: unknown;
  readonly description?: string;
}

const adapted = new WeakMap<object, AnyEventDefinition>();

function isEventDefinition(value: object): value is AnyEventDefinition {
  const v = value as Partial<AnyEventDefinition>;
  return (
    typeof v.type === 'string' &&
    typeof v.version === 'number' &&
    typeof v.check === 'function' &&
    typeof v.validate === 'function'
  );
}

/** A validation error of any shape as a schema issue: `{ path|instancePath, message }` or a string. */
export function toSchemaIssue(error: unknown): SchemaIssue {
  if (typeof error === 'string') return { path: '', message: error };
  if (error && typeof error === 'object') {
    const e = error as { path?: unknown; instancePath?: unknown; message?: unknown };
    const path =
      typeof e.instancePath === 'string' ? e.instancePath : typeof e.path === 'string' ? e.path : '';
    const message = typeof e.message === 'string' ? e.message : JSON.stringify(error);
    return { path, message };
  }
  return { path: '', message: String(error) };
}

function isTObject(schema: unknown): schema is TObject {
  return (
    !!schema &&
    typeof schema === 'object' &&
    (schema as { type?: unknown }).type === 'object' &&
    typeof (schema as { properties?: unknown }).properties === 'object'
  );
}

/**
 * The EventDefinition for a contract. Definitions made with this package's `defineEvent` come back
 * unchanged; the same contract always gives the same definition (the registry compares by identity).
 */
export function fromContract<T>(contract: ContractDefinition<T> | AnyEventDefinition): AnyEventDefinition {
  if (isEventDefinition(contract)) return contract;
  const known = adapted.get(contract);
  if (known) return known;
  const parsed = parseCeType(contract.ceType);
  if (!parsed) {
    throw new MessagingArgumentError(
      `contract ceType must look like "tributary.user.registered.v1" (got ${JSON.stringify(contract.ceType)})`,
    );
  }
  if (typeof contract.topic !== 'string' || contract.topic === '') {
    throw new MessagingArgumentError(`${contract.ceType}: topic must be a non-empty string`);
  }
  if (typeof contract.keyOf !== 'function' || typeof contract.validate !== 'function') {
    throw new MessagingArgumentError(`${contract.ceType}: a contract needs keyOf() and validate()`);
  }
  const validate = (data: unknown): T => {
    const result = contract.validate(data);
    if (result.ok) return result.value;
    const issues = result.errors.map(toSchemaIssue);
    throw new SchemaInvalidError(
      contract.ceType,
      issues.length > 0 ? issues : [{ path: '', message: 'rejected by the contract' }],
    );
  };
  const definition: AnyEventDefinition = Object.freeze({
    type: parsed.type,
    version: parsed.version,
    schema: isTObject(contract.schema) ? contract.schema : Type.Object({}),
    topic: contract.topic,
    // The key is computed by the contract; versions of one type share this name, so the registry's
    // same-key check between versions holds.
    // (typed `never` because the key of a schema-less definition names no field of it).
    key: 'keyOf()' as never,
    description: contract.description,
    ceType: contract.ceType as AnyEventDefinition['ceType'],
    check: (data: unknown): data is T => contract.validate(data).ok,
    validate,
    keyOf: (data: T) => {
      const key = contract.keyOf(data);
      if (typeof key !== 'string' || key === '') {
        throw new SchemaInvalidError(contract.ceType, [{ path: '', message: 'keyOf() gave no key' }]);
      }
      return key;
    },
  });
  adapted.set(contract, definition);
  return definition;
}
