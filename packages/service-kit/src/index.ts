export { ConfigError, type ConfigIssue, type Environment, loadConfig } from '@tributary/config';
export { loggingSettings, serviceConfigSchema } from './config/service-config.ts';
export { loadMigrations, MigrationLoadError, type SqlMigration } from './database/load-migrations.ts';
export { type OpenServiceDatabaseOptions, openServiceDatabase } from './database/open-service-database.ts';
export {
  ServiceDatabase,
  type ServiceDatabaseOptions,
  startServiceDatabase,
} from './database/service-database.ts';
export { AppError, type AppErrorOptions } from './errors/app-error.ts';
export { CodedError, type CodedErrorOptions } from './errors/coded-error.ts';
export {
  buildProblem,
  DEFAULT_PROBLEM_TYPE_BASE,
  PROBLEM_CONTENT_TYPE,
  ProblemDetails,
  ProblemFieldError,
  type ProblemInput,
  problemResponse,
  problemTypeUri,
} from './errors/problem-details.ts';
export {
  PLATFORM_PROBLEM_TYPES,
  type ProblemType,
  ProblemTypeConflictError,
  ProblemTypeRegistry,
  type ProblemTypeTable,
} from './errors/problem-types.ts';
export {
  type CheckReport,
  type CheckResult,
  DEFAULT_CHECK_TIMEOUT_MS,
  type ReadinessCheck,
  ReadinessChecks,
  ReadinessReport,
} from './health/readiness.ts';
export {
  brokerCheck,
  circuitBreakerCheck,
  consumerCheck,
  databaseCheck,
  outboxCheck,
} from './health/standard-checks.ts';
export {
  CORRELATION_ID_HEADER_SCHEMA,
  type HeaderDoc,
  jsonResponse,
  type ProblemExample,
  problemResponses,
  TRACING_RESPONSE_HEADERS,
} from './http/api-docs.ts';
export { type App, type CreateAppOptions, createApp, DEFAULT_BODY_LIMIT } from './http/create-app.ts';
export { DEFAULT_MAX_JSON_DEPTH, jsonDepthExceeds } from './http/json-body-parser.ts';
export { decodePageCursor, encodePageCursor } from './http/page-cursor.ts';
export { CORRELATION_ID_HEADER, REQUEST_ID_HEADER } from './http/request-context.ts';
export { SWAGGER_PREFIX } from './http/swagger.ts';
export {
  MULTI_LINE_TEXT_PATTERN,
  SINGLE_LINE_TEXT_PATTERN,
  type TextOptions,
  textSchema,
} from './http/text-schema.ts';
export { type KeepTryingOptions, keepTrying } from './lifecycle/keep-trying.ts';
export {
  type RunningService,
  type RunServiceOptions,
  runService,
  type ShutdownHook,
} from './lifecycle/run-service.ts';
export { createLogger, type Logger, type LoggerOptions } from './logging/create-logger.ts';
export {
  AUTH_PROBLEM_TYPES,
  type HttpAuth,
  PUBLIC_PATH_PREFIXES,
  registerAuth,
} from './security/http-auth.ts';
export {
  type HttpProtectionOptions,
  PAGE_CSP,
  RATE_LIMIT_PROBLEM_TYPES,
  registerHttpProtection,
  SWAGGER_UI_CSP,
} from './security/http-protection.ts';
export {
  HTTP_SECURITY_CONFIG,
  type HttpSecurity,
  type HttpSecurityConfig,
  httpSecurityConfigSchema,
  httpSecurityFromConfig,
} from './security/http-security-config.ts';
export {
  createJwtVerifier,
  type JwtVerifier,
  type JwtVerifierOptions,
  type Principal,
  scopesOf,
  TokenRejectedError,
} from './security/jwt-verifier.ts';
export {
  KAFKA_SECURITY_CONFIG,
  type KafkaSecurityConfig,
  kafkaSecurityConfigSchema,
  kafkaSecurityFromConfig,
} from './security/kafka-security-config.ts';
export { type ObservedMessaging, observeMessaging } from './telemetry/service-metrics.ts';
export {
  PROMETHEUS_CONTENT_TYPE,
  startTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from './telemetry/start-telemetry.ts';
