// The embedded broker: starts the log, the group coordinator and the TCP server; usable from code
// (tests, `npm start`) and from the CLI.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { type Logger, pino } from 'pino';
import { BrokerState } from './broker-state.ts';
import { type BrokerConfig, type BrokerOptions, resolveBrokerConfig } from './config.ts';
import { GroupCoordinator } from './groups/index.ts';
import { handlers } from './handlers/registry.ts';
import { type FileSystem, mkdirDurable, nodeFileSystem, readJsonFile, writeFileAtomic } from './io/index.ts';
import { LogManager } from './log/index.ts';
import { Connection } from './server/connection.ts';
import { Dispatcher } from './server/dispatcher.ts';

export interface Broker {
  readonly host: string;
  readonly port: number;
  /** `host:port` as clients should use it (the advertised address). */
  readonly address: string;
  readonly config: BrokerConfig;
  readonly clusterId: string;
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
  if (existing !== undefined) return existing;
  const clusterId = randomBytes(16).toString('base64url');
  await writeFileAtomic(fs, file, JSON.stringify({ clusterId }));
  return clusterId;
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<Broker> {
  const { logger: given, ...rest } = options;
  const config = resolveBrokerConfig(rest);
  const logger = (given ?? pino({ name: 'broker', level: config.logLevel })).child({ component: 'broker' });
  const dataDir = resolve(config.dataDir);
  const fs = nodeFileSystem;
  await mkdirDurable(fs, dataDir);
  const clusterId = await loadClusterId(fs, dataDir);
  const logs = await LogManager.open({
    dataDir: join(dataDir, 'topics'),
    segmentBytes: config.segmentBytes,
    flush:
      config.flush === 'interval'
        ? { mode: 'interval', intervalMs: config.flushIntervalMs }
        : { mode: config.flush },
    retentionMs: config.retentionMs,
    retentionBytes: config.retentionBytes,
    retentionCheckIntervalMs: config.retentionCheckIntervalMs,
    logger: logger.child({ component: 'log' }),
  });
  let groups: GroupCoordinator;
  try {
    groups = await GroupCoordinator.open({
      dataDir: join(dataDir, 'groups'),
      logger: logger.child({ component: 'groups' }),
      minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    });
  } catch (err) {
    await logs.close();
    throw err;
  }
  const state = new BrokerState({ config, logger, logs, groups, clusterId });
  const dispatcher = new Dispatcher(handlers, state);
  state.supportedApis = () => dispatcher.supportedApis();

  const connections = new Set<Connection>();
  let nextId = 0;
  const server: Server = createServer((socket: Socket) => {
    const connection = new Connection(socket, ++nextId, dispatcher, config.maxFrameBytes, logger);
    connections.add(connection);
    socket.on('close', () => connections.delete(connection));
  });
  server.on('error', (err) => logger.error({ err }, 'server error'));
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  } catch (err) {
    await groups.close();
    await logs.close();
    throw err;
  }
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : config.port;
  state.advertisedPort = port;
  const address = `${state.advertisedHost}:${port}`;
  logger.info({ address, dataDir, clusterId, topics: logs.listTopics().length }, 'broker listening');

  let stopping: Promise<void> | undefined;
  return {
    host: state.advertisedHost,
    port,
    address,
    config,
    clusterId,
    stop() {
      stopping ??= (async () => {
        state.closing = true;
        for (const wake of [...state.fetchWaiters]) wake();
        const closed = new Promise<void>((r) => server.close(() => r()));
        for (const c of connections) c.close();
        await closed;
        await groups.close();
        await logs.close();
        logger.info('broker stopped');
      })();
      return stopping;
    },
  };
}
