// Request validation with TypeBox's compiler. Unlike Fastify's default Ajv setup, bodies are never coerced
// and unknown fields are never silently removed: a body that does not match its schema exactly is a 400.
// Querystring, params and headers arrive as strings, so those are converted to the schema's types first.
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  const isBody = httpPart === 'body';
  return (input: unknown) => {
    let value = Value.Default(schema, isBody ? input : Value.Clone(input));
    if (!isBody) value = Value.Convert(schema, value);
    if (validator.Check(value)) return { value };
    return { error: validator.Errors(value) as FastifySchemaValidationError[] };
  };
};
