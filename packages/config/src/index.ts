export { ConfigError, type ConfigIssue } from './config-error.ts';
export { type Environment, kebab, type LoadConfigOptions, loadConfig, optionsHelp } from './load-config.ts';
