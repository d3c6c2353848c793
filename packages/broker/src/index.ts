export { type Broker, type StartBrokerOptions, startBroker } from './broker.ts';
export {
  type BrokerConfig,
  BrokerConfigSchema,
  type BrokerOptions,
  ConfigError,
  resolveBrokerConfig,
} from './config.ts';
export { ErrorCode } from './error-codes.ts';
