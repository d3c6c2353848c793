// The environment variables of a service's Kafka connection security, named as Kafka's own settings are
// (sasl.mechanism, ssl.ca.location, ...), and how they become the transport's SASL and TLS options.
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from '@tributary/config';
import type { KafkaSecurity } from '@tributary/messaging';
import { type Static, Type } from 'typebox';

export const KAFKA_SECURITY_CONFIG = {
  /** PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; unset: no SASL. */
  KAFKA_SASL_MECHANISM: Type.Optional(
    Type.Union([Type.Literal('PLAIN'), Type.Literal('SCRAM-SHA-256'), Type.Literal('SCRAM-SHA-512')]),
  ),
  KAFKA_SASL_USERNAME: Type.Optional(Type.String({ minLength: 1 })),
  KAFKA_SASL_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  /** TLS to the brokers; implied by any KAFKA_SSL_*_FILE. */
  KAFKA_SSL: Type.Boolean({ default: false }),
  KAFKA_SSL_CA_FILE: Type.Optional(Type.String({ minLength: 1 })),
  KAFKA_SSL_CERT_FILE: Type.Optional(Type.String({ minLength: 1 })),
  KAFKA_SSL_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** Name the broker certificates are checked against, when it is not the host in KAFKA_BROKERS. */
  KAFKA_SSL_SERVERNAME: Type.Optional(Type.String({ minLength: 1 })),
};

export const kafkaSecurityConfigSchema = Type.Object(KAFKA_SECURITY_CONFIG);
export type KafkaSecurityConfig = Static<typeof kafkaSecurityConfigSchema>;

/**
 * SASL and TLS options from the checked variables (undefined: plaintext, no authentication); throws a
 * ConfigError naming every variable that is missing, contradictory or names an unreadable file. Values of
 * KAFKA_SASL_PASSWORD never appear in the error.
 */
export function kafkaSecurityFromConfig(
  config: KafkaSecurityConfig,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): KafkaSecurity | undefined {
  const issues: ConfigIssue[] = [];
  const mechanism = config.KAFKA_SASL_MECHANISM;
  if (mechanism !== undefined) {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (config[name] === undefined) {
        issues.push({ name, value: undefined, reason: `is required with KAFKA_SASL_MECHANISM=${mechanism}` });
      }
    }
  } else {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (config[name] !== undefined) {
        issues.push({
          name,
          value: name === 'KAFKA_SASL_PASSWORD' ? '********' : config[name],
          reason: 'needs KAFKA_SASL_MECHANISM (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)',
        });
      }
    }
  }
  if ((config.KAFKA_SSL_CERT_FILE === undefined) !== (config.KAFKA_SSL_KEY_FILE === undefined)) {
    const missing = config.KAFKA_SSL_CERT_FILE === undefined ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE';
    issues.push({
      name: missing,
      value: undefined,
      reason: 'a client certificate needs both its certificate and key file',
    });
  }
  const files: Partial<Record<'ca' | 'cert' | 'key', string>> = {};
  for (const [name, field] of [
    ['KAFKA_SSL_CA_FILE', 'ca'],
    ['KAFKA_SSL_CERT_FILE', 'cert'],
    ['KAFKA_SSL_KEY_FILE', 'key'],
  ] as const) {
    const path = config[name];
    if (path === undefined) continue;
    try {
      const text = readFile(path);
      if (!text.includes('-----BEGIN ')) {
        issues.push({ name, value: path, reason: 'is not a PEM file' });
      } else files[field] = text;
    } catch (err) {
      issues.push({
        name,
        value: path,
        reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const tlsOn = config.KAFKA_SSL || Object.keys(files).length > 0;
  const security: KafkaSecurity = {};
  if (mechanism !== undefined) {
    security.sasl = {
      mechanism,
      username: config.KAFKA_SASL_USERNAME as string,
      password: config.KAFKA_SASL_PASSWORD as string,
    };
  }
  if (tlsOn) {
    security.tls = {
      ...files,
      ...(config.KAFKA_SSL_SERVERNAME === undefined ? {} : { servername: config.KAFKA_SSL_SERVERNAME }),
    };
  }
  return security.sasl === undefined && security.tls === undefined ? undefined : security;
}
