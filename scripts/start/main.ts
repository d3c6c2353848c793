// `npm start`: the broker, both services and the console as separate processes, one log stream, a banner when ready.
// Children run in process groups of their own, so a Ctrl-C in the terminal reaches only this launcher,
// which stops the services first (they leave their consumer group and flush their outbox through the
// broker) and the broker last.
import { mkdir } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { getCompileCacheDir } from 'node:module';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStartConfig, type StartConfig } from './config.ts';
import {
  LOCAL_KAFKA_SERVERNAME,
  type LocalKafkaSecurity,
  localKafkaSecurity,
} from './local-kafka-security.ts';
import { LogStream } from './log-stream.ts';
import { portProblems } from './port-check.ts';
import { Supervisor } from './supervisor.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const launchedAt = performance.now();

let config: StartConfig;
try {
  config = loadStartConfig(process.env);
} catch (err) {
  process.stderr.write(`npm start: ${(err as Error).message}\n`);
  process.exit(2);
}
const dataDir = resolve(config.TRIBUTARY_DATA_DIR);
const format = config.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
// pino-pretty is loaded only for a terminal: piped output stays JSON and the launcher starts sooner.
const pretty =
  format === 'pretty'
    ? (await import('pino-pretty')).prettyFactory({
        colorize: true,
        translateTime: 'HH:MM:ss.l',
        ignore: 'pid,hostname',
        singleLine: true,
      })
    : undefined;
const logs = new LogStream(process.stdout, format, ['broker', 'users', 'orders', 'console'], pretty);
const supervisor = new Supervisor(logs, { startupTimeoutMs: config.STARTUP_TIMEOUT_MS });
const brokers = `${config.HOST}:${config.BROKER_PORT}`;
// Node keeps the compiled (and type-stripped) code of every module in the cache launch.js turned on (or the
// one NODE_COMPILE_CACHE names), so every start after the first loads faster; the children share it.
const compileCacheDir = getCompileCacheDir();
const compileCache: Record<string, string> =
  compileCacheDir === undefined ? {} : { NODE_COMPILE_CACHE: compileCacheDir };
const consoleUrl = `http://${config.HOST}:${config.CONSOLE_PORT}`;
/** KAFKA_SASL_* and KAFKA_SSL_* of the services and the console (none on a plaintext broker). */
let kafkaClientEnv: Record<string, string> = {};
const serviceEnv = (port: number, name: string) => ({
  ...compileCache,
  ...kafkaClientEnv,
  HOST: config.HOST,
  PORT: String(port),
  DATA_DIR: resolve(dataDir, name),
  KAFKA_BROKERS: brokers,
  LOG_LEVEL: config.LOG_LEVEL,
  LOG_PRETTY: 'false',
  // The services export their spans to the console's OTLP/HTTP JSON receiver.
  OTEL_EXPORTER_OTLP_ENDPOINT: consoleUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  // A laptop platform: no identity provider, so the APIs take every request (the banner says so).
  AUTH_MODE: 'development',
});
// Ready means serving: the broker accepts a TCP connection, a service answers /health/ready with 200.
// The ports were free before the children started, and the supervisor counts a probe only while its child
// runs and (where /proc tells) itself listens on the port, so the answer comes from the process it started.
// node:http rather than fetch: loading fetch (undici) costs the launcher a quarter of a second of CPU while
// its children start on the same cores.
const isServiceReady = (port: number) => () =>
  new Promise<boolean>((resolve) => {
    const req = httpGet(
      { host: config.HOST, port, path: '/health/ready', timeout: 3000, agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
/** The line a child logs once it serves (at log level info and below); the supervisor then probes at once. */
const logged = (message: string) => (entry: Record<string, unknown>) => entry.msg === message;
const acceptsConnections = (port: number) => () =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, config.HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

// The same Ctrl-C can arrive twice within moments (from the terminal and from npm forwarding it to its
// child); only a signal after this long is a second request, and forces.
const REPEAT_SIGNAL_MS = 1000;
let stopRequestedAt: number | undefined;
let stopping: Promise<never> | undefined;
function stop(code: number): Promise<never> {
  stopping ??= (async () => {
    logs.info(
      'stopping: services first (consumer group left, outbox flushed, spans exported), then the broker and the console',
    );
    const clean = await supervisor.stopAll(config.SHUTDOWN_TIMEOUT_MS);
    logs.info(clean ? 'stopped' : 'stopped; not every process stopped cleanly');
    process.exit(clean ? code : code || 1);
  })();
  return stopping;
}
function onSignal(signal: NodeJS.Signals): void {
  const now = performance.now();
  if (stopRequestedAt === undefined) {
    stopRequestedAt = now;
    logs.info(`${signal} received`);
    void stop(0);
    return;
  }
  if (now - stopRequestedAt < REPEAT_SIGNAL_MS) return;
  logs.warn(`${signal} received again; killing every process`);
  supervisor.killAll();
  process.exit(130);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('SIGHUP', onSignal);
// Whatever ends the launcher, no child outlives it.
process.on('exit', () => supervisor.killAll());
supervisor.onGiveUp = () => void stop(1);

async function main(): Promise<void> {
  const problems = await portProblems(config.HOST, [
    { port: config.BROKER_PORT, variable: 'BROKER_PORT', owner: 'the broker' },
    { port: config.USER_SERVICE_PORT, variable: 'USER_SERVICE_PORT', owner: 'the User Service' },
    { port: config.ORDER_SERVICE_PORT, variable: 'ORDER_SERVICE_PORT', owner: 'the Order Service' },
    { port: config.CONSOLE_PORT, variable: 'CONSOLE_PORT', owner: 'the console' },
  ]);
  if (problems.length > 0) {
    process.stderr.write(`npm start: cannot start:\n  ${problems.join('\n  ')}\n`);
    process.exit(3);
  }
  // PGlite does not create parent directories; a fresh checkout has none.
  await Promise.all(
    ['broker', 'user-service', 'order-service', 'console'].map((d) =>
      mkdir(resolve(dataDir, d), { recursive: true }),
    ),
  );
  let security: LocalKafkaSecurity | undefined;
  let brokerSecurityEnv: Record<string, string> = {};
  if (config.KAFKA_SECURITY === 'sasl_ssl') {
    security = await localKafkaSecurity(resolve(dataDir, 'kafka-security'), config.HOST);
    brokerSecurityEnv = {
      TRIBUTARY_BROKER_TLS_CERT_FILE: security.certFile,
      TRIBUTARY_BROKER_TLS_KEY_FILE: security.keyFile,
      TRIBUTARY_BROKER_SASL_MECHANISMS: 'SCRAM-SHA-512',
      TRIBUTARY_BROKER_SASL_USERS_FILE: security.usersFile,
    };
    kafkaClientEnv = {
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: security.username,
      KAFKA_SASL_PASSWORD: security.password,
      KAFKA_SSL_CA_FILE: security.caFile,
      KAFKA_SSL_SERVERNAME: LOCAL_KAFKA_SERVERNAME,
    };
  }
  logs.info(`starting Tributary (data under ${dataDir})`);
  // All three start at once: the services load their code and open their databases while the broker
  // starts, and connect to it as soon as it listens (they retry until then). Stopping keeps the order.
  await Promise.all([
    supervisor.start({
      name: 'broker',
      stage: 0,
      args: [resolve(root, 'packages/broker/src/bin/tributary-broker.js')],
      env: {
        ...compileCache,
        TRIBUTARY_BROKER_HOST: config.HOST,
        TRIBUTARY_BROKER_PORT: String(config.BROKER_PORT),
        TRIBUTARY_BROKER_DATA_DIR: resolve(dataDir, 'broker'),
        TRIBUTARY_BROKER_LOG_LEVEL: config.LOG_LEVEL,
        ...brokerSecurityEnv,
      },
      ready: acceptsConnections(config.BROKER_PORT),
      port: config.BROKER_PORT,
      readyHint: logged('broker listening'),
    }),
    supervisor.start({
      name: 'users',
      stage: 1,
      args: [resolve(root, 'services/user-service/src/server.ts')],
      env: serviceEnv(config.USER_SERVICE_PORT, 'user-service'),
      ready: isServiceReady(config.USER_SERVICE_PORT),
      port: config.USER_SERVICE_PORT,
      readyHint: logged('service ready'),
    }),
    supervisor.start({
      name: 'orders',
      stage: 1,
      args: [resolve(root, 'services/order-service/src/server.ts')],
      env: serviceEnv(config.ORDER_SERVICE_PORT, 'order-service'),
      ready: isServiceReady(config.ORDER_SERVICE_PORT),
      port: config.ORDER_SERVICE_PORT,
      readyHint: logged('service ready'),
    }),
    // Stage 0 with the broker: the console stops after the services, which export their last spans to it.
    supervisor.start({
      name: 'console',
      stage: 0,
      args: [resolve(root, 'services/console/src/server.ts')],
      env: {
        ...compileCache,
        HOST: config.HOST,
        PORT: String(config.CONSOLE_PORT),
        DATA_DIR: resolve(dataDir, 'console'),
        KAFKA_BROKERS: brokers,
        LOG_LEVEL: config.LOG_LEVEL,
        LOG_PRETTY: 'false',
        ...kafkaClientEnv,
      },
      ready: isServiceReady(config.CONSOLE_PORT),
      port: config.CONSOLE_PORT,
      readyHint: logged('service ready'),
    }),
  ]);
  const base = (port: number) => `http://${config.HOST}:${port}`;
  const readyMs = Math.round(performance.now() - launchedAt);
  logs.info(
    [
      '',
      `Tributary is up (${(readyMs / 1000).toFixed(1)} s)`,
      `  Kafka broker    ${brokers}${
        security === undefined
          ? ' (plaintext, no authentication)'
          : ` (TLS + SASL SCRAM-SHA-512: user ${security.username}, password in ${security.usersFile}, CA ${security.caFile})`
      }`,
      `  User Service    ${base(config.USER_SERVICE_PORT)}   Swagger UI: ${base(config.USER_SERVICE_PORT)}/swagger`,
      `  Order Service   ${base(config.ORDER_SERVICE_PORT)}   Swagger UI: ${base(config.ORDER_SERVICE_PORT)}/swagger`,
      `  Console         ${consoleUrl}   topics, consumer lag, dead letters, traces`,
      `  Data            ${dataDir}`,
      '  DEVELOPMENT MODE: the HTTP APIs accept every request without a token (AUTH_MODE=development);',
      '  never expose these ports. See SECURITY.md for running with JWT authentication.',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
    { readyMs },
  );
}

main().catch((err: Error) => {
  if (stopping !== undefined) return;
  logs.error(`start failed: ${err.message}`);
  void stop(1);
});
