// The new set of config overrides after an AlterConfigs (which replaces the alterable overrides) or an
// IncrementalAlterConfigs (which sets, deletes, appends to or subtracts from single entries, KIP-339), for
// a topic or for the broker's dynamic settings: the rules say which names exist, which may change and
// what values they take. Pure: the caller persists the result. Errors carry the Kafka error a client gets.
import {
  ConfigType,
  isAlterableTopicConfig,
  isKnownTopicConfig,
  topicConfigProblem,
  topicConfigType,
} from './topic-configs.ts';

export class ConfigChangeError extends Error {
  readonly code: 'INVALID_CONFIG' | 'INVALID_REQUEST';
  constructor(code: 'INVALID_CONFIG' | 'INVALID_REQUEST', message: string) {
    super(message);
    this.name = 'ConfigChangeError';
    this.code = code;
  }
}

/** IncrementalAlterConfigs operations, by their wire value. */
export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/** What a resource's configs are: the names it knows, those a client may change, and valid values. */
export interface ConfigRules {
  /** 'topic' or 'broker', for messages. */
  readonly kind: string;
  isKnown(name: string): boolean;
  isAlterable(name: string): boolean;
  isList(name: string): boolean;
  /** What is wrong with the value, or null. */
  problem(name: string, value: string): string | null;
}

export const TOPIC_CONFIG_RULES: ConfigRules = {
  kind: 'topic',
  isKnown: isKnownTopicConfig,
  isAlterable: isAlterableTopicConfig,
  isList: (name) => topicConfigType(name) === ConfigType.LIST,
  problem: topicConfigProblem,
};

function checkUnique(names: string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name))
      throw new ConfigChangeError('INVALID_REQUEST', `config '${name}' appears more than once`);
    seen.add(name);
  }
}

function checkChangeable(
  rules: ConfigRules,
  name: string,
  current: Readonly<Record<string, string>>,
  value?: string,
): void {
  if (!rules.isKnown(name))
    throw new ConfigChangeError('INVALID_CONFIG', `unknown ${rules.kind} config '${name}'`);
  // Restating a read-only override unchanged is no change (AlterConfigs clients send back what they read).
  if (!rules.isAlterable(name) && !(value !== undefined && current[name] === value))
    throw new ConfigChangeError(
      'INVALID_CONFIG',
      `${rules.kind} config '${name}' is read-only on this broker`,
    );
}

function checkValues(rules: ConfigRules, configs: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(configs)) {
    const problem = rules.problem(name, value);
    if (problem !== null) throw new ConfigChangeError('INVALID_CONFIG', problem);
  }
  return configs;
}

/**
 * AlterConfigs: the alterable overrides become exactly `entries` (those left out go back to their
 * fallback, as in Kafka); read-only overrides (given at creation) stay.
 */
export function replaceConfigs(
  rules: ConfigRules,
  current: Readonly<Record<string, string>>,
  entries: { name: string; value: string | null }[],
): Record<string, string> {
  checkUnique(entries.map((e) => e.name));
  const next: Record<string, string> = {};
  for (const [name, value] of Object.entries(current)) if (!rules.isAlterable(name)) next[name] = value;
  for (const e of entries) {
    if (e.value === null)
      throw new ConfigChangeError('INVALID_REQUEST', `null value not supported for config '${e.name}'`);
    checkChangeable(rules, e.name, current, e.value);
    next[e.name] = e.value;
  }
  return checkValues(rules, next);
}

/** IncrementalAlterConfigs: each entry changes one override; the rest stay. */
export function incrementConfigs(
  rules: ConfigRules,
  current: Readonly<Record<string, string>>,
  entries: { name: string; configOperation: number; value: string | null }[],
): Record<string, string> {
  checkUnique(entries.map((e) => e.name));
  const next: Record<string, string> = { ...current };
  for (const e of entries) {
    switch (e.configOperation) {
      case ConfigOperation.SET:
        if (e.value === null)
          throw new ConfigChangeError('INVALID_REQUEST', `null value not supported for config '${e.name}'`);
        checkChangeable(rules, e.name, current, e.value);
        next[e.name] = e.value;
        break;
      case ConfigOperation.DELETE:
        checkChangeable(rules, e.name, current);
        delete next[e.name];
        break;
      case ConfigOperation.APPEND:
      case ConfigOperation.SUBTRACT:
        if (rules.isKnown(e.name) && !rules.isList(e.name))
          throw new ConfigChangeError(
            'INVALID_CONFIG',
            `config '${e.name}' is not a list: cannot append or subtract`,
          );
        checkChangeable(rules, e.name, current);
        break;
      default:
        throw new ConfigChangeError('INVALID_REQUEST', `unknown config operation ${e.configOperation}`);
    }
  }
  return checkValues(rules, next);
}
