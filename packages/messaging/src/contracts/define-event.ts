// A versioned event contract: one TypeBox schema gives the TypeScript type, the validation on publish and
// consume, and the AsyncAPI payload.
import type { Static, TObject } from 'typebox';
import { Compile } from 'typebox/compile';
import { MessagingArgumentError, SchemaInvalidError, type SchemaIssue } from '../errors.ts';

/** Property names of a schema whose values are strings (candidates for the aggregate id key). */
export type StringFieldOf<S extends TObject> = {
  [K in keyof Static<S>]-?: Static<S>[K] extends string ? K : never;
}[keyof Static<S>] &
  string;

export type CeType<TType extends string, TVersion extends number> = `tributary.${TType}.v${TVersion}`;

export interface EventDefinitionInput<TType extends string, TVersion extends number, S extends TObject> {
  /** Dotted name without the version, e.g. `user.registered`. */
  type: TType;
  /** Positive integer; a new version is a new contract, published versions never change incompatibly. */
  version: TVersion;
  schema: S;
  /** Topic the event is published to, e.g. `users`. */
  topic: string;
  /** Payload field holding the aggregate id: the Kafka key, so events of one aggregate stay in order. */
  key: StringFieldOf<S>;
  description?: string;
}

export interface EventDefinition<
  TType extends string = string,
  TVersion extends number = number,
  S extends TObject = TObject,
> {
  readonly type: TType;
  readonly version: TVersion;
  readonly schema: S;
  readonly topic: string;
  readonly key: StringFieldOf<S>;
  readonly description: string | undefined;
  /** CloudEvents `type` attribute: `tributary.<type>.v<version>`. */
  readonly ceType: CeType<TType, TVersion>;
  /** True when `data` matches the schema. */
  check(data: unknown): data is Static<S>;
  /** Returns `data` typed when it matches; throws SchemaInvalidError (code SCHEMA_INVALID) listing every problem. */
  validate(data: unknown): Static<S>;
  /** The aggregate id of a valid payload. */
  keyOf(data: Static<S>): string;
}

/** The payload type of an event definition. */
export type EventData<D> = D extends EventDefinition<string, number, infer S> ? Static<S> : never;

// An AnyEventDefinition accepts definitions of any schema (methods are checked bivariantly through it).
// biome-ignore lint/suspicious/noExplicitAny: the widest definition type, used only for collections
export type AnyEventDefinition = EventDefinition<string, number, any>;

const TYPE_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const CE_TYPE_PATTERN = /^tributary\.([a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+)\.v([1-9][0-9]*)$/;

export function ceTypeOf<TType extends string, TVersion extends number>(
  type: TType,
  version: TVersion,
): CeType<TType, TVersion> {
  return `tributary.${type}.v${version}`;
}

const parsedCeTypes = new Map<string, Readonly<{ type: string; version: number }> | undefined>();

/** Splits `tributary.user.registered.v1` into its type and version; undefined when it is not one of ours. */
export function parseCeType(ceType: string): { type: string; version: number } | undefined {
  // A consumer sees a handful of types over and over: each is parsed once (bounded, for hostile input).
  const known = parsedCeTypes.get(ceType);
  if (known !== undefined || parsedCeTypes.has(ceType)) return known;
  const match = CE_TYPE_PATTERN.exec(ceType);
  const parsed = match ? Object.freeze({ type: match[1], version: Number(match[2]) }) : undefined;
  if (parsedCeTypes.size >= 1024) parsedCeTypes.clear();
  parsedCeTypes.set(ceType, parsed);
  return parsed;
}

export function defineEvent<TType extends string, TVersion extends number, S extends TObject>(
  input: EventDefinitionInput<TType, TVersion, S>,
): EventDefinition<TType, TVersion, S> {
  if (typeof input.type !== 'string' || !TYPE_PATTERN.test(input.type)) {
    throw new MessagingArgumentError(
      `event type must be dotted lower-case words such as "user.registered" (got ${JSON.stringify(input.type)})`,
    );
  }
  if (!Number.isInteger(input.version) || input.version < 1) {
    throw new MessagingArgumentError(`${input.type}: version must be a positive integer`);
  }
  if (typeof input.topic !== 'string' || input.topic === '') {
    throw new MessagingArgumentError(`${input.type}: topic must be a non-empty string`);
  }
  const keySchema = (input.schema.properties as Record<string, { type?: unknown } | undefined>)[input.key];
  if (keySchema?.type !== 'string' || !input.schema.required?.includes(input.key)) {
    throw new MessagingArgumentError(`${input.type}: key "${input.key}" must be a required string field`);
  }
  const ceType = ceTypeOf(input.type, input.version);
  let validator: ReturnType<typeof Compile<S>> | undefined;
  const compiled = () => {
    validator ??= Compile(input.schema);
    return validator;
  };
  return Object.freeze({
    type: input.type,
    version: input.version,
    schema: input.schema,
    topic: input.topic,
    key: input.key,
    description: input.description,
    ceType,
    check(data: unknown): data is Static<S> {
      return compiled().Check(data);
    },
    validate(data: unknown): Static<S> {
      const v = compiled();
      if (v.Check(data)) return data;
      const issues: SchemaIssue[] = [...v.Errors(data)].map((e) => ({
        path: e.instancePath,
        message: e.message,
      }));
      throw new SchemaInvalidError(ceType, issues);
    },
    keyOf(data: Static<S>): string {
      return String((data as Record<string, unknown>)[input.key]);
    },
  });
}
