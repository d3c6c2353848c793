// Request validation with TypeBox's compiler. Unlike Fastify's default Ajv setup, bodies are never coerced
// and unknown fields are never silently removed: a body that does not match its schema exactly is a 400.
// Querystring, params and headers arrive as strings, so those are converted to the schema's types first.
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

/**
 * Node gives header names in lower case, and Fastify only normalizes header schemas for its own compiler:
 * lower-case the names a (flat) header schema declares so `X-Api-Version` matches.
 */
function lowerCaseHeaderNames(schema: TSchema): TSchema {
  const source = schema as { properties?: Record<string, unknown>; required?: unknown };
  if (source.properties === undefined) return schema;
  const properties = Object.fromEntries(
    Object.entries(source.properties).map(([name, property]) => [name.toLowerCase(), property]),
  );
  const required = Array.isArray(source.required)
    ? source.required.map((name) => (typeof name === 'string' ? name.toLowerCase() : name))
    : source.required;
  // Copy with descriptors: TypeBox's Default/Convert need its non-enumerable `~kind` marker.
  const copy = Object.create(Object.getPrototypeOf(schema), Object.getOwnPropertyDescriptors(schema));
  copy.properties = properties;
  if (required !== undefined) copy.required = required;
  return copy as TSchema;
}

// TypeBox's Convert reads numbers loosely: "2.5" becomes the integer 2, "true" 1, "0x10" 16, "" 0. A number
// in a query string, path or header must be written as one, so the text of any that is not is put back
// and validation refuses it (a 400 naming the field) instead of the request running with a guessed value.
const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keepLooseNumbersAsText(schema: TSchema, input: unknown, converted: unknown): unknown {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (properties === undefined || !isRecord(input) || !isRecord(converted)) return converted;
  for (const [name, property] of Object.entries(properties)) {
    const text = input[name];
    if (typeof text !== 'string') continue;
    const strict =
      property.type === 'integer' ? INTEGER_TEXT : property.type === 'number' ? NUMBER_TEXT : null;
    if (strict !== null && !strict.test(text)) converted[name] = text;
  }
  return converted;
}

// TypeBox takes seconds to list the errors of an object with tens of thousands of unknown keys (a cheap
// body to send), while the check itself is instant. Errors are listed on a bounded copy instead: in each
// object the known properties and the first few unknown ones, in each array the elements its bounds allow
// plus one. The errors a client sees are the same, capped.
const UNKNOWN_KEYS_REPORTED = 20;
const ARRAY_ELEMENTS_EXAMINED = 1000;

function boundedForErrors(schema: unknown, value: unknown): unknown {
  const s = (schema ?? {}) as { properties?: Record<string, unknown>; items?: unknown; maxItems?: number };
  if (Array.isArray(value)) {
    const limit = Math.min(ARRAY_ELEMENTS_EXAMINED, (s.maxItems ?? ARRAY_ELEMENTS_EXAMINED) + 1);
    const kept = value.length > limit ? value.slice(0, limit) : value;
    return s.items === undefined ? kept : kept.map((item) => boundedForErrors(s.items, item));
  }
  if (!isRecord(value)) return value;
  const properties = s.properties ?? {};
  const copy: Record<string, unknown> = {};
  let unknown = 0;
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(properties, key)) copy[key] = boundedForErrors(properties[key], value[key]);
    else if (unknown++ < UNKNOWN_KEYS_REPORTED) copy[key] = value[key];
  }
  return copy;
}

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({
  schema: routeSchema,
  httpPart,
}) => {
  const schema = httpPart === 'headers' ? lowerCaseHeaderNames(routeSchema) : routeSchema;
  const validator = Compile(schema);
  const isBody = httpPart === 'body';
  return (input: unknown) => {
    let value = Value.Default(schema, isBody ? input : Value.Clone(input));
    if (!isBody) value = keepLooseNumbersAsText(schema, value, Value.Convert(schema, Value.Clone(value)));
    if (validator.Check(value)) return { value };
    return { error: validator.Errors(boundedForErrors(schema, value)) as FastifySchemaValidationError[] };
  };
};
