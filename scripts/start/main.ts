// `npm start`: the broker and both services as separate processes, one log stream, a banner when ready.
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStartConfig } from './config.ts';
import { LogStream } from './log-stream.ts';
import { Supervisor } from './supervisor.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

let config: ReturnType<typeof loadStartConfig>;
try {
  config = loadStartConfig(process.env);
} catch (err) {
  process.stderr.write(`npm start: ${(err as Error).message}\n`);
  process.exit(2);
}
const dataDir = resolve(config.TRIBUTARY_DATA_DIR);
const format = config.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
const logs = new LogStream(process.stdout, format, ['broker', 'users', 'orders']);
const supervisor = new Supervisor(logs);
const brokers = `${config.HOST}:${config.BROKER_PORT}`;
const serviceEnv = (port: number, name: string) => ({
  HOST: config.HOST,
  PORT: String(port),
  DATA_DIR: resolve(dataDir, name),
  KAFKA_BROKERS: brokers,
  LOG_LEVEL: config.LOG_LEVEL,
  LOG_PRETTY: 'false',
});
// Ready means serving: the broker accepts a TCP connection, a service answers /health/ready with 200.
const isServiceReady = (port: number) => async () => {
  const res = await fetch(`http://${config.HOST}:${port}/health/ready`, {
    signal: AbortSignal.timeout(3000),
  });
  return res.status === 200;
};
const acceptsConnections = (port: number) => () =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, config.HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

let shuttingDown = false;
async function shutdown(code: number): Promise<never> {
  if (shuttingDown) process.exit(130);
  shuttingDown = true;
  logs.info('stopping: services first (outbox flushed, groups left), then the broker');
  await supervisor.stopAll();
  logs.info('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
supervisor.onUnexpectedExit = (name, code) => {
  logs.info(`${name} exited unexpectedly (code ${code}); stopping everything`);
  void shutdown(1);
};

try {
  logs.info(`starting Tributary (data under ${dataDir})`);
  await supervisor.start(
    {
      name: 'broker',
      args: [resolve(root, 'packages/broker/src/bin/tributary-broker.ts')],
      env: {
        TRIBUTARY_BROKER_HOST: config.HOST,
        TRIBUTARY_BROKER_PORT: String(config.BROKER_PORT),
        TRIBUTARY_BROKER_DATA_DIR: resolve(dataDir, 'broker'),
        TRIBUTARY_BROKER_LOG_LEVEL: config.LOG_LEVEL,
      },
      ready: acceptsConnections(config.BROKER_PORT),
    },
    config.STARTUP_TIMEOUT_MS,
  );
  await Promise.all([
    supervisor.start(
      {
        name: 'users',
        args: [resolve(root, 'services/user-service/src/server.ts')],
        env: serviceEnv(config.USER_SERVICE_PORT, 'user-service'),
        ready: isServiceReady(config.USER_SERVICE_PORT),
      },
      config.STARTUP_TIMEOUT_MS,
    ),
    supervisor.start(
      {
        name: 'orders',
        args: [resolve(root, 'services/order-service/src/server.ts')],
        env: serviceEnv(config.ORDER_SERVICE_PORT, 'order-service'),
        ready: isServiceReady(config.ORDER_SERVICE_PORT),
      },
      config.STARTUP_TIMEOUT_MS,
    ),
  ]);
  const base = (port: number) => `http://${config.HOST}:${port}`;
  logs.info(
    [
      '',
      'Tributary is up',
      `  Kafka broker    ${brokers}`,
      `  User Service    ${base(config.USER_SERVICE_PORT)}   Swagger UI: ${base(config.USER_SERVICE_PORT)}/swagger`,
      `  Order Service   ${base(config.ORDER_SERVICE_PORT)}   Swagger UI: ${base(config.ORDER_SERVICE_PORT)}/swagger`,
      `  Data            ${dataDir}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
} catch (err) {
  logs.info(`start failed: ${(err as Error).message}`);
  await shutdown(1);
}
