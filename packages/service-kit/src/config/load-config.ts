// Reads configuration from environment variables described by a TypeBox object schema: each property is
// one variable, numbers, integers and booleans are converted from their text, defaults fill what is unset.
import type { Static, TObject, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { ConfigError, type ConfigIssue } from './config-error.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIALS?)/i;

/** Hides secrets in error messages: whole values of secret-looking names, passwords inside URLs. */
function masked(name: string, value: string): string {
  if (SECRET_NAME.test(name)) return '********';
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1********@');
}

function isRequired(schema: TObject, name: string): boolean {
  return Array.isArray(schema.required) && schema.required.includes(name);
}

function describe(schema: TSchema): string {
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.anyOf)) {
    const literals = s.anyOf.map((member) => (member as Record<string, unknown>).const);
    if (literals.every((literal) => literal !== undefined)) return `one of ${literals.join(', ')}`;
  }
  if (s.const !== undefined) return `${String(s.const)}`;
  if (Array.isArray(s.enum)) return `one of ${s.enum.join(', ')}`;
  if (s.type === 'boolean') return 'true or false';
  if (s.type === 'integer') return 'an integer';
  if (s.type === 'number') return 'a number';
  return 'a valid value';
}

function reasonFor(schema: TSchema, value: unknown): string {
  const errors = Compile(schema).Errors(value);
  const first = errors[0];
  if (first === undefined) return 'is invalid';
  if (
    first.keyword === 'type' ||
    first.keyword === 'const' ||
    first.keyword === 'anyOf' ||
    first.keyword === 'enum'
  ) {
    return `must be ${describe(schema)}`;
  }
  return first.message ?? 'is invalid';
}

/**
 * Validates `env` against `schema` and returns the typed configuration. Unset or empty variables take the
 * property's `default`; missing required ones and values that do not fit are all reported in one
 * ConfigError. Only a service's config.ts should pass `process.env` here.
 */
export function loadConfig<S extends TObject>(schema: S, env: Environment): Static<S> {
  const issues: ConfigIssue[] = [];
  const config: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties) as [string, TSchema][]) {
    const raw = env[name];
    const defaultValue = (property as { default?: unknown }).default;
    if (raw === undefined || raw === '') {
      if (defaultValue !== undefined) config[name] = Value.Clone(defaultValue);
      else if (isRequired(schema, name)) issues.push({ name, value: raw, reason: 'is required' });
      continue;
    }
    const value = Value.Convert(property, raw.trim());
    if (Value.Check(property, value)) config[name] = value;
    else issues.push({ name, value: masked(name, raw), reason: reasonFor(property, value) });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config as Static<S>;
}
