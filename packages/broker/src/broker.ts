// The embedded broker: starts the log, the group coordinator and the TCP server; usable from code
// (tests, `npm start`) and from the CLI.
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { type Logger, pino } from 'pino';
import { brokerNumber } from './broker-configs.ts';
import { BrokerState } from './broker-state.ts';
import { type BrokerConfig, type BrokerOptions, resolveBrokerConfig } from './config.ts';
import { DYNAMIC_CONFIGS_FILE, DynamicBrokerConfigs } from './dynamic-broker-configs.ts';
import { GroupCoordinator } from './groups/index.ts';
import { handlers } from './handlers/registry.ts';
import {
  type FileSystem,
  makeDurable,
  mkdirDurable,
  nodeFileSystem,
  readJsonFile,
  writeFileAtomic,
} from './io/index.ts';
import { LogManager } from './log/index.ts';
import { AclStore } from './security/acl-store.ts';
import { Authorizer } from './security/authorizer.ts';
import { CredentialStore } from './security/credential-store.ts';
import { listenerSecurity } from './security/listener-security.ts';
import { ScramAdmin } from './security/scram-admin.ts';
import { BrokerServer } from './server/broker-server.ts';
import { Dispatcher } from './server/dispatcher.ts';

export interface Broker {
  readonly host: string;
  readonly port: number;
  /** `host:port` as clients should use it (the advertised address). */
  readonly address: string;
  readonly config: BrokerConfig;
  readonly clusterId: string;
  /** The port serving Prometheus `/metrics`; undefined when metrics are off (no `metricsPort`). */
  readonly metricsPort: number | undefined;
  /** The plaintext port beside the TLS one (`plaintextPort`); undefined when there is none. */
  readonly plaintextPort: number | undefined;
  stop(): Promise<void>;
}

export interface StartBrokerOptions extends BrokerOptions {
  logger?: Logger;
}

async function loadClusterId(fs: FileSystem, dataDir: string): Promise<string> {
  const file = join(dataDir, 'cluster.json');
  const existing = readJsonFile(fs, file, (value) => {
    const id = (value as { clusterId?: unknown } | null)?.clusterId;
    return typeof id === 'string' && id.length > 0 ? id : { problem: 'expected {"clusterId": "<id>"}' };
  });
  if (existing !== undefined) {
    await makeDurable(fs, file);
    return existing;
  }
  const clusterId = randomBytes(16).toString('base64url');
  await writeFileAtomic(fs, file, JSON.stringify({ clusterId }));
  return clusterId;
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<Broker> {
  const { logger: given, ...rest } = options;
  const config = resolveBrokerConfig(rest);
  // Each part logs through a child of the root naming it once (a child of `logger` would repeat the key).
  const root = given ?? pino({ name: 'broker', level: config.logLevel });
  const logger = root.child({ component: 'broker' });
  const dataDir = resolve(config.dataDir);
  const fs = nodeFileSystem;
  await mkdirDurable(fs, dataDir);
  const clusterId = await loadClusterId(fs, dataDir);
  const dynamicConfigs = DynamicBrokerConfigs.load(fs, dataDir);
  await makeDurable(fs, join(dataDir, DYNAMIC_CONFIGS_FILE));
  const logs = await LogManager.open({
    dataDir: join(dataDir, 'topics'),
    segmentBytes: brokerNumber(config, dynamicConfigs, 'log.segment.bytes'),
    flush:
      config.flush === 'interval'
        ? { mode: 'interval', intervalMs: config.flushIntervalMs }
        : { mode: config.flush },
    retentionMs: brokerNumber(config, dynamicConfigs, 'log.retention.ms'),
    retentionBytes: brokerNumber(config, dynamicConfigs, 'log.retention.bytes'),
    retentionCheckIntervalMs: config.retentionCheckIntervalMs,
    maxOpenFiles: config.maxOpenFiles,
    readBufferBytes: config.fetchMaxBytes,
    logger: root.child({ component: 'log' }),
  });
  let groups: GroupCoordinator;
  try {
    groups = await GroupCoordinator.open({
      dataDir: join(dataDir, 'groups'),
      logger: root.child({ component: 'groups' }),
      minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    });
  } catch (err) {
    await logs.close();
    throw err;
  }
  const state = new BrokerState({ config, logger, logs, groups, clusterId, dynamicConfigs });
  let security: ReturnType<typeof listenerSecurity>;
  try {
    security = listenerSecurity(config, root.child({ component: 'security' }));
  } catch (err) {
    await groups.close();
    await logs.close();
    throw err;
  }
  state.sasl = security.sasl;
  try {
    // Without SASL on the listener the credentials are still kept, for when it is enabled.
    state.scramAdmin = await ScramAdmin.open(
      fs,
      dataDir,
      security.sasl?.credentials ?? new CredentialStore(),
      root.child({ component: 'security' }),
    );
    if (config.authorizer === 'acl') {
      state.authorizer = new Authorizer({
        acls: await AclStore.load(fs, dataDir),
        superUsers: config.superUsers?.split(';') ?? [],
        allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound,
        logger: root.child({ component: 'authorizer' }),
      });
    }
  } catch (err) {
    await groups.close();
    await logs.close();
    throw err;
  }
  const dispatcher = new Dispatcher(handlers, state);
  state.supportedApis = () => dispatcher.supportedApis();

  let server: BrokerServer | undefined;
  let metrics: { readonly port: number; close(): Promise<void> } | undefined;
  try {
    if (config.metricsPort !== undefined) {
      // Loaded only here: a broker without metrics starts without the metrics library.
      const { serveMetrics } = await import('./metrics/serve-metrics.ts');
      metrics = await serveMetrics({
        host: config.metricsHost,
        port: config.metricsPort,
        dispatcher,
        logs,
        groups,
        apis: dispatcher.servedApis(),
        connections: () => server?.connectionCount ?? 0,
        logger: root.child({ component: 'metrics' }),
      });
    }
    server = await BrokerServer.listen({
      host: config.host,
      port: config.port,
      handler: dispatcher,
      tls: security.tls,
      plaintextPort: config.plaintextPort,
      limits: {
        maxConnections: config.maxConnections,
        maxBufferedBytes: config.maxBufferedBytes,
        maxFrameBytes: config.maxFrameBytes,
        idleTimeoutMs: config.connectionIdleTimeoutMs,
        frameTimeoutMs: config.frameTimeoutMs,
      },
      logger,
    });
  } catch (err) {
    await metrics?.close();
    await groups.close();
    await logs.close();
    throw err;
  }
  const listener = server;
  const port = listener.port;
  state.advertisedPort = port;
  const address = `${state.advertisedHost}:${port}`;
  logger.info(
    {
      address,
      protocol: security.protocol,
      plaintext:
        listener.plaintextPort === undefined
          ? undefined
          : {
              address: `${state.advertisedHost}:${listener.plaintextPort}`,
              protocol: security.sasl === undefined ? 'PLAINTEXT' : 'SASL_PLAINTEXT',
            },
      saslMechanisms: security.sasl?.mechanisms,
      authorizer: config.authorizer,
      dataDir,
      clusterId,
      topics: logs.listTopics().length,
      metrics: metrics === undefined ? undefined : `http://${config.metricsHost}:${metrics.port}/metrics`,
    },
    'broker listening',
  );

  let stopping: Promise<void> | undefined;
  return {
    host: state.advertisedHost,
    port,
    address,
    config,
    clusterId,
    metricsPort: metrics?.port,
    plaintextPort: listener.plaintextPort,
    stop() {
      stopping ??= (async () => {
        state.closing = true;
        for (const wake of [...state.fetchWaiters]) wake();
        await listener.close();
        await metrics?.close();
        await groups.close();
        await logs.close();
        logger.info('broker stopped');
      })();
      return stopping;
    },
  };
}
