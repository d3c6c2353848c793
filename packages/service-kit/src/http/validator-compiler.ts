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

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({
  schema: routeSchema,
  httpPart,
}) => {
  const schema = httpPart === 'headers' ? lowerCaseHeaderNames(routeSchema) : routeSchema;
  const validator = Compile(schema);
  const isBody = httpPart === 'body';
  return (input: unknown) => {
    let value = Value.Default(schema, isBody ? input : Value.Clone(input));
    if (!isBody) value = Value.Convert(schema, value);
    if (validator.Check(value)) return { value };
    return { error: validator.Errors(value) as FastifySchemaValidationError[] };
  };
};
