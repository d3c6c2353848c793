// The one configuration loader of Tributary: the broker, `npm start` and the services describe their settings
// as a TypeBox object schema (one property a setting, with its default and description) and read them here
// from environment variables and, for the broker, command-line flags. Numbers, integers and booleans are
// converted from their text, defaults fill what is unset, and every bad setting is reported at once.
import type { Static, TObject, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { ConfigError, type ConfigIssue } from './config-error.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** The environment variable of a property (default: the property's own name). */
  variable?: (property: string) => string;
  /**
   * Command-line values (as `node:util` parseArgs gives them), by flag name without dashes; a flag wins over
   * its variable.
   */
  flags?: Readonly<Record<string, string | boolean | undefined>>;
  /** The flag of a property (default: the property in kebab case, `dataDir` → `data-dir`). */
  flag?: (property: string) => string;
}

const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIALS?)/i;

/** Hides secrets in error messages: whole values of secret-looking names, passwords inside URLs. */
function masked(name: string, value: string): string {
  if (SECRET_NAME.test(name)) return '********';
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1********@');
}

export function kebab(property: string): string {
  return property.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function isRequired(schema: TObject, name: string): boolean {
  return Array.isArray(schema.required) && schema.required.includes(name);
}

function range(noun: string, s: Record<string, unknown>): string {
  const min = typeof s.minimum === 'number' ? s.minimum : undefined;
  const max = typeof s.maximum === 'number' ? s.maximum : undefined;
  if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
  if (min !== undefined) return `${noun} of at least ${min}`;
  if (max !== undefined) return `${noun} of at most ${max}`;
  if (typeof s.exclusiveMinimum === 'number') return `${noun} greater than ${s.exclusiveMinimum}`;
  return noun;
}

/** What a value of `schema` must be, in words. */
function describe(schema: TSchema): string {
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.anyOf)) {
    const literals = s.anyOf.map((member) => (member as Record<string, unknown>).const);
    if (literals.every((literal) => literal !== undefined)) return `one of ${literals.join(', ')}`;
  }
  if (s.const !== undefined) return `${String(s.const)}`;
  if (Array.isArray(s.enum)) return `one of ${s.enum.join(', ')}`;
  if (s.type === 'boolean') return 'true or false';
  if (s.type === 'integer') return range('an integer', s);
  if (s.type === 'number') return range('a number', s);
  if (s.type === 'string' && typeof s.pattern === 'string') return `text matching ${s.pattern}`;
  if (s.type === 'string' && s.minLength === 1) return 'non-blank text';
  return 'a valid value';
}

function reasonFor(schema: TSchema, value: unknown): string {
  const first = [...Value.Errors(schema, value)][0];
  if (first === undefined) return 'is invalid';
  const s = schema as Record<string, unknown>;
  if (
    ['type', 'const', 'anyOf', 'enum', 'minimum', 'maximum', 'exclusiveMinimum', 'pattern'].includes(
      first.keyword,
    )
  )
    return `must be ${describe(schema)}`;
  if (first.keyword === 'minLength' && s.minLength === 1) return 'must not be blank';
  if (first.keyword === 'not' && (s.not as Record<string, unknown> | undefined)?.const !== undefined)
    return `must not be ${String((s.not as Record<string, unknown>).const)}`;
  return first.message ?? 'is invalid';
}

/**
 * Validates the settings against `schema` and returns the typed configuration. Unset or empty settings take
 * the property's `default`; missing required ones and values that do not fit are all reported in one
 * ConfigError, each named as the user wrote it (`--port` or `TRIBUTARY_BROKER_PORT`). Only a program's
 * config module should pass `process.env` here.
 */
export function loadConfig<S extends TObject>(
  schema: S,
  env: Environment,
  options: LoadConfigOptions = {},
): Static<S> {
  const variable = options.variable ?? ((property: string) => property);
  const flag = options.flag ?? kebab;
  const issues: ConfigIssue[] = [];
  const config: Record<string, unknown> = {};
  for (const [property, propertySchema] of Object.entries(schema.properties) as [string, TSchema][]) {
    const flagValue = options.flags?.[flag(property)];
    const fromFlag = typeof flagValue === 'string';
    const name = fromFlag ? `--${flag(property)}` : variable(property);
    const raw = fromFlag ? flagValue : env[name];
    const defaultValue = (propertySchema as { default?: unknown }).default;
    if (raw === undefined || raw === '') {
      if (defaultValue !== undefined) config[property] = Value.Clone(defaultValue);
      else if (isRequired(schema, property)) issues.push({ name, value: raw, reason: 'is required' });
      continue;
    }
    const value = Value.Convert(propertySchema, raw.trim());
    if (Value.Check(propertySchema, value)) config[property] = value;
    else issues.push({ name, value: masked(name, raw), reason: reasonFor(propertySchema, value) });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config as Static<S>;
}

/** One line a setting: its flag (when it has one), its variable, its description and default. */
export function optionsHelp(
  schema: TObject,
  options: Omit<LoadConfigOptions, 'flags'> & { flags?: boolean },
) {
  const variable = options.variable ?? ((property: string) => property);
  const flag = options.flag ?? kebab;
  return Object.entries(schema.properties as Record<string, TSchema>).map(([property, s]) => {
    const { default: defaultValue, description } = s as { default?: unknown; description?: string };
    const fallback = defaultValue === undefined ? '' : ` (default ${String(defaultValue)})`;
    const flagColumn = options.flags === false ? '' : `--${flag(property).padEnd(28)} `;
    return `  ${flagColumn}${variable(property).padEnd(44)}${description ?? ''}${fallback}`;
  });
}
