// The one configuration loader of Tributary: the broker, `npm start` and the services describe their settings
// as a TypeBox object schema (one property a setting, with its default and description) and read them here
// from environment variables and, for the broker, command-line flags. Numbers, integers and booleans are
// converted from their text, defaults fill what is unset, and every bad setting is reported at once.
import { ConfigError, type ConfigIssue } from './config-error.ts';
import {
  defaultOf,
  fromText,
  isRequired,
  reason,
  type Static,
  type TObject,
  type TSchema,
} from './settings-schema.ts';

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
    if (raw === undefined || raw === '') {
      const fallback = defaultOf(propertySchema);
      if (fallback !== undefined) config[property] = fallback;
      else if (isRequired(schema, property)) issues.push({ name, value: raw, reason: 'is required' });
      continue;
    }
    const value = fromText(propertySchema, raw.trim());
    const problem = reason(propertySchema, value);
    if (problem === undefined) config[property] = value;
    else issues.push({ name, value: masked(name, raw), reason: problem });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config as Static<S>;
}

/**
 * Settings given as values (a program's options rather than text): defaults applied, each checked, unknown
 * ones refused. Returns the complete settings and every problem as "name: what it must be (got value)".
 */
export function checkSettings<S extends TObject>(
  schema: S,
  given: Readonly<Record<string, unknown>>,
): { settings: Static<S>; problems: string[] } {
  const properties = schema.properties as Record<string, TSchema>;
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of Object.keys(given)) {
    if (!(name in properties) && given[name] !== undefined) problems.push(`${name}: unknown option`);
  }
  for (const [name, propertySchema] of Object.entries(properties)) {
    const value = given[name] === undefined ? defaultOf(propertySchema) : given[name];
    if (value === undefined) {
      if (isRequired(schema, name)) problems.push(`${name}: is required`);
      continue;
    }
    const problem = reason(propertySchema, value);
    if (problem === undefined) settings[name] = value;
    else problems.push(`${name}: ${problem} (got ${JSON.stringify(value)})`);
  }
  return { settings: settings as Static<S>, problems };
}

/** One line a setting: its flag (when it has one), its variable, its description and default. */
export function optionsHelp(
  schema: TObject,
  options: Omit<LoadConfigOptions, 'flags'> & { flags?: boolean },
) {
  const variable = options.variable ?? ((property: string) => property);
  const flag = options.flag ?? kebab;
  const properties = Object.entries(schema.properties as Record<string, TSchema>);
  // Columns as wide as the longest name, so a long one never runs into the next column.
  const flagWidth = Math.max(28, ...properties.map(([p]) => flag(p).length));
  const variableWidth = Math.max(43, ...properties.map(([p]) => variable(p).length)) + 1;
  return properties.map(([property, s]) => {
    const { default: defaultValue, description } = s as { default?: unknown; description?: string };
    const fallback = defaultValue === undefined ? '' : ` (default ${String(defaultValue)})`;
    const flagColumn = options.flags === false ? '' : `--${flag(property).padEnd(flagWidth)} `;
    return `  ${flagColumn}${variable(property).padEnd(variableWidth)}${description ?? ''}${fallback}`;
  });
}
