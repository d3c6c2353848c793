// Turns validator output (TypeBox's Ajv-shaped errors) into the `errors` member of a problem document.
import type { FastifySchemaValidationError } from 'fastify';
import type { ProblemFieldError } from '../errors/problem-details.ts';
import { textPatternMessage } from './text-schema.ts';

const PART_NAMES: Record<string, string> = { querystring: 'query', params: 'params', headers: 'headers' };

function pointer(part: string, instancePath: string, property?: string): string {
  const prefix = `/${PART_NAMES[part] ?? 'body'}`;
  const escaped = property?.replaceAll('~', '~0').replaceAll('/', '~1');
  return prefix + instancePath + (escaped === undefined ? '' : `/${escaped}`);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * One entry per offending value: a missing property or an unknown property each get their own path, so a
 * client can point at the field. Errors that only restate another one (TypeBox reports an unknown property
 * both as `additionalProperties` and as a `false` sub-schema) are dropped.
 */
export function toFieldErrors(
  part: string,
  validation: readonly FastifySchemaValidationError[],
): ProblemFieldError[] {
  const result: ProblemFieldError[] = [];
  const seen = new Set<string>();
  const add = (path: string, message: string) => {
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    result.push({ path, message });
  };
  for (const error of validation) {
    const params = (error.params ?? {}) as Record<string, unknown>;
    if (error.keyword === 'required') {
      const missing = stringList(params.requiredProperties);
      if (typeof params.missingProperty === 'string') missing.push(params.missingProperty);
      for (const name of missing) add(pointer(part, error.instancePath, name), 'is required');
      if (missing.length === 0) add(pointer(part, error.instancePath), error.message ?? 'is invalid');
    } else if (error.keyword === 'additionalProperties') {
      const extra = stringList(params.additionalProperties);
      if (typeof params.additionalProperty === 'string') extra.push(params.additionalProperty);
      for (const name of extra) add(pointer(part, error.instancePath, name), 'is not allowed');
      if (extra.length === 0) add(pointer(part, error.instancePath), error.message ?? 'is invalid');
    } else if (error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties')) {
      add(pointer(part, error.instancePath), 'is not allowed');
    } else {
      // Our own text patterns say what is wrong instead of showing the regular expression.
      const text = error.keyword === 'pattern' ? textPatternMessage(params.pattern) : undefined;
      add(pointer(part, error.instancePath), text ?? error.message ?? 'is invalid');
    }
  }
  return result;
}
