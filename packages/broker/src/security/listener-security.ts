// What protects the listener, from the configuration: TLS (certificate, key, optional client
// certificates) and SASL (mechanisms, users salted as they are read). Problems are ConfigErrors naming the
// setting and never a password.
import { readFileSync } from 'node:fs';
import type { TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import { type BrokerConfig, ConfigError } from '../config.ts';
import { CredentialStore, parseUsers } from './credential-store.ts';
import { SaslAuthenticator, type SaslMechanism } from './sasl-authenticator.ts';

export interface ListenerSecurity {
  tls: TlsOptions | undefined;
  sasl: SaslAuthenticator | undefined;
  /** `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`, as Kafka names listener protocols. */
  protocol: string;
}

function readSetting(name: string, path: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return undefined;
  }
}

export function listenerSecurity(config: BrokerConfig, logger: Logger): ListenerSecurity {
  const problems: string[] = [];
  let tls: TlsOptions | undefined;
  if (config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined) {
    const cert = readSetting('tlsCertFile', config.tlsCertFile, problems);
    const key = readSetting('tlsKeyFile', config.tlsKeyFile, problems);
    const ca =
      config.tlsClientCaFile === undefined
        ? undefined
        : readSetting('tlsClientCaFile', config.tlsClientCaFile, problems);
    tls = {
      cert,
      key,
      ca,
      minVersion: 'TLSv1.2',
      requestCert: config.tlsClientAuth !== 'none',
      rejectUnauthorized: config.tlsClientAuth === 'required',
    };
  }
  let sasl: SaslAuthenticator | undefined;
  if (config.saslMechanisms !== undefined) {
    const credentials = new CredentialStore();
    const sources: Array<[string, () => Array<[string, string]>]> = [];
    if (config.saslUsers !== undefined) {
      const text = config.saslUsers;
      sources.push(['saslUsers', () => parseUsers(text, 'list')]);
    }
    if (config.saslUsersFile !== undefined) {
      const path = config.saslUsersFile;
      sources.push([
        'saslUsersFile',
        () => {
          const text = readSetting('saslUsersFile', path, problems);
          return text === undefined ? [] : parseUsers(text, 'json');
        },
      ]);
    }
    for (const [name, read] of sources) {
      try {
        for (const [user, password] of read()) credentials.setPassword(user, password);
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
      }
    }
    const mechanisms = [...new Set(config.saslMechanisms.split(','))] as SaslMechanism[];
    sasl = new SaslAuthenticator({
      mechanisms,
      credentials,
      sessionLifetimeMs: config.saslSessionLifetimeMs,
      logger,
    });
    if (mechanisms.includes('PLAIN') && tls === undefined) {
      logger.warn(
        'SASL PLAIN on a plaintext listener sends passwords in the clear; add tlsCertFile and tlsKeyFile',
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const protocol = `${sasl === undefined ? '' : 'SASL_'}${tls === undefined ? 'PLAINTEXT' : 'SSL'}`;
  return { tls, sasl, protocol };
}
