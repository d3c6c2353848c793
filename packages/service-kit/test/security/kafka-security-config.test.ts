// Kafka SASL/TLS settings from the environment: what each combination becomes, and every mistake named.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError,
  kafkaSecurityConfigSchema,
  kafkaSecurityFromConfig,
  loadConfig,
} from '../../src/index.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const files: Record<string, string> = {
  '/ca.pem': PEM,
  '/client.pem': PEM,
  '/client.key': PEM,
  '/notes.txt': 'hi',
};
const readFile = (path: string) => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  return text;
};
const fromEnv = (env: Record<string, string>) =>
  kafkaSecurityFromConfig(loadConfig(kafkaSecurityConfigSchema, env), readFile);

describe('Kafka security configuration', () => {
  it('is plaintext without SASL when nothing is set', () => {
    assert.equal(fromEnv({}), undefined);
  });

  it('takes SCRAM credentials over TLS with a private CA', () => {
    const security = fromEnv({
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'orders',
      KAFKA_SASL_PASSWORD: 's3cret',
      KAFKA_SSL_CA_FILE: '/ca.pem',
    });
    assert.deepEqual(security, {
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'orders', password: 's3cret' },
      tls: { ca: PEM },
    });
  });

  it('turns TLS on with the system CAs by KAFKA_SSL=true alone', () => {
    assert.deepEqual(fromEnv({ KAFKA_SSL: 'true' }), { tls: {} });
  });

  it('names every missing or contradictory variable, never showing the password', () => {
    assert.throws(
      () => fromEnv({ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SSL_CERT_FILE: '/client.pem' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.issues.map((i) => i.name).sort(), [
          'KAFKA_SASL_PASSWORD',
          'KAFKA_SASL_USERNAME',
          'KAFKA_SSL_KEY_FILE',
        ]);
        return true;
      },
    );
    assert.throws(
      () => fromEnv({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /KAFKA_SASL_PASSWORD="\*{8}": needs KAFKA_SASL_MECHANISM/);
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      },
    );
  });

  it('refuses an unknown mechanism, an unreadable file and a file that is not PEM', () => {
    assert.throws(
      () => fromEnv({ KAFKA_SASL_MECHANISM: 'GSSAPI' }),
      /KAFKA_SASL_MECHANISM="GSSAPI": must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/,
    );
    assert.throws(
      () => fromEnv({ KAFKA_SSL_CA_FILE: '/nowhere.pem' }),
      /KAFKA_SSL_CA_FILE="\/nowhere.pem": cannot be read \(ENOENT\)/,
    );
    assert.throws(
      () => fromEnv({ KAFKA_SSL_CA_FILE: '/notes.txt' }),
      /KAFKA_SSL_CA_FILE="\/notes.txt": is not a PEM file/,
    );
  });
});
