// Settings are described as JSON Schema: strings, numbers, integers, booleans and unions of literals, with
// bounds, patterns, defaults and descriptions. The services write theirs with TypeBox (which their HTTP
// layer loads anyway); the broker and `npm start` write theirs with `Type` below, which has TypeBox's names
// and types for that subset but builds plain objects, so that a process that needs nothing else of TypeBox
// does not spend its start-up loading it. The checks here read the JSON Schema keywords and accept both.
import type { Static, TObject, TSchema, Type as TypeBoxType } from 'typebox';

const OPTIONAL = Symbol('optional');

function optional<S extends TSchema>(schema: S): S {
  return { ...schema, [OPTIONAL]: true };
}

/** A subset of TypeBox's builder: the same names and static types, plain JSON Schema objects. */
export const Type = {
  String: ((options = {}) => ({ type: 'string', ...options })) as typeof TypeBoxType.String,
  Integer: ((options = {}) => ({ type: 'integer', ...options })) as typeof TypeBoxType.Integer,
  Number: ((options = {}) => ({ type: 'number', ...options })) as typeof TypeBoxType.Number,
  Boolean: ((options = {}) => ({ type: 'boolean', ...options })) as typeof TypeBoxType.Boolean,
  Literal: ((value: string | number | boolean, options = {}) => ({
    const: value,
    type: typeof value,
    ...options,
  })) as typeof TypeBoxType.Literal,
  Union: ((anyOf: TSchema[], options = {}) => ({ anyOf, ...options })) as typeof TypeBoxType.Union,
  Optional: optional as typeof TypeBoxType.Optional,
  Object: ((properties: Record<string, TSchema>, options = {}) => ({
    type: 'object',
    properties,
    required: Object.keys(properties).filter(
      (name) => !(properties[name] as unknown as Record<symbol, unknown>)[OPTIONAL],
    ),
    ...options,
  })) as unknown as typeof TypeBoxType.Object,
};

export type { Static, TObject, TSchema };

type Keywords = {
  type?: string;
  const?: unknown;
  anyOf?: Keywords[];
  enum?: unknown[];
  not?: Keywords;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
};

const keywords = (schema: TSchema) => schema as unknown as Keywords;

/** The value `text` stands for under `schema`: numbers and booleans from their text, anything else as is. */
export function fromText(schema: TSchema, text: string): unknown {
  const s = keywords(schema);
  const types = s.anyOf ? s.anyOf.map((member) => member.type) : [s.type];
  if (
    (types.includes('integer') || types.includes('number')) &&
    /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)
  )
    return Number(text);
  if (types.includes('boolean') && /^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  return text;
}

/** The first keyword `value` breaks, or undefined when it fits `schema`. */
export function violation(schema: TSchema, value: unknown): keyof Keywords | undefined {
  const s = keywords(schema);
  if (s.anyOf)
    return s.anyOf.some((member) => violation(member as TSchema, value) === undefined) ? undefined : 'anyOf';
  if ('const' in s && value !== s.const) return 'const';
  if (s.enum && !s.enum.includes(value)) return 'enum';
  switch (s.type) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'type';
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'type';
      break;
    case 'string':
      if (typeof value !== 'string') return 'type';
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return 'type';
      break;
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) return 'minimum';
    if (s.maximum !== undefined && value > s.maximum) return 'maximum';
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) return 'exclusiveMinimum';
    if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) return 'exclusiveMaximum';
  }
  if (typeof value === 'string') {
    if (s.minLength !== undefined && value.trim().length < s.minLength) return 'minLength';
    if (s.maxLength !== undefined && value.length > s.maxLength) return 'maxLength';
    if (s.pattern !== undefined && !new RegExp(s.pattern).test(value)) return 'pattern';
  }
  if (s.not && violation(s.not as TSchema, value) === undefined) return 'not';
  return undefined;
}

function range(noun: string, s: Keywords): string {
  if (s.minimum !== undefined && s.maximum !== undefined) return `${noun} from ${s.minimum} to ${s.maximum}`;
  if (s.minimum !== undefined) return `${noun} of at least ${s.minimum}`;
  if (s.maximum !== undefined) return `${noun} of at most ${s.maximum}`;
  if (s.exclusiveMinimum !== undefined) return `${noun} greater than ${s.exclusiveMinimum}`;
  return noun;
}

/** What a value of `schema` must be, in words. */
export function expected(schema: TSchema): string {
  const s = keywords(schema);
  if (s.anyOf?.every((member) => member.const !== undefined))
    return `one of ${s.anyOf.map((member) => String(member.const)).join(', ')}`;
  if (s.const !== undefined) return String(s.const);
  if (s.enum) return `one of ${s.enum.join(', ')}`;
  if (s.type === 'boolean') return 'true or false';
  if (s.type === 'integer') return range('an integer', s);
  if (s.type === 'number') return range('a number', s);
  if (s.type === 'string' && s.pattern !== undefined) {
    // A pattern is hard to read: its description, when it has one, says the same in words.
    const { description } = schema as { description?: string };
    return `text matching ${s.pattern}${description === undefined ? '' : ` (${description})`}`;
  }
  if (s.type === 'string' && s.maxLength !== undefined) return `text of at most ${s.maxLength} characters`;
  return 'a valid value';
}

/** Why `value` does not fit `schema`, as "must ..." words; undefined when it fits. */
export function reason(schema: TSchema, value: unknown): string | undefined {
  const broken = violation(schema, value);
  if (broken === undefined) return undefined;
  const s = keywords(schema);
  if (broken === 'minLength' && s.minLength === 1) return 'must not be blank';
  if (broken === 'minLength') return `must have at least ${s.minLength} characters`;
  if (broken === 'not')
    return s.not?.const === undefined ? 'is not allowed' : `must not be ${String(s.not.const)}`;
  return `must be ${expected(schema)}`;
}

/** Whether `property` of `schema` must be given (it has no default and is not optional). */
export function isRequired(schema: TObject, property: string): boolean {
  return Array.isArray(schema.required) && schema.required.includes(property);
}

/** The property's default, copied so callers cannot change the schema. */
export function defaultOf(schema: TSchema): unknown {
  const value = keywords(schema).default;
  return value === undefined ? undefined : structuredClone(value);
}
