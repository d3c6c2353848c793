export { ConfigError, type ConfigIssue } from './config-error.ts';
export {
  checkSettings,
  type Environment,
  kebab,
  type LoadConfigOptions,
  loadConfig,
  optionsHelp,
} from './load-config.ts';
export { type Static, type TObject, type TSchema, Type } from './settings-schema.ts';
