import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from 'typebox';
import { ConfigError, checkSettings, Type as Light, loadConfig, optionsHelp } from '../src/index.ts';

const Schema = Type.Object({
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 5001 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  LOG_LEVEL: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn')], {
    default: 'info',
  }),
  LOG_PRETTY: Type.Boolean({ default: false }),
  RELAY_INTERVAL_MS: Type.Number({ exclusiveMinimum: 0, default: 500 }),
  KAFKA_BROKERS: Type.String({ minLength: 1 }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.String({ default: './.data/user-service' }),
});

function captureConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  test('applies defaults for unset and empty variables', () => {
    const config = loadConfig(Schema, { KAFKA_BROKERS: 'localhost:9092', PORT: '' });
    assert.deepEqual(config, {
      PORT: 5001,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      LOG_PRETTY: false,
      RELAY_INTERVAL_MS: 500,
      KAFKA_BROKERS: 'localhost:9092',
      DATA_DIR: './.data/user-service',
    });
  });

  test('converts numbers and booleans from text', () => {
    const config = loadConfig(Schema, {
      KAFKA_BROKERS: 'a:1,b:2',
      PORT: '8080',
      LOG_PRETTY: 'true',
      RELAY_INTERVAL_MS: '2.5',
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgres://u@db/app',
    });
    assert.equal(config.PORT, 8080);
    assert.equal(config.LOG_PRETTY, true);
    assert.equal(config.RELAY_INTERVAL_MS, 2.5);
    assert.equal(config.LOG_LEVEL, 'debug');
    assert.equal(config.DATABASE_URL, 'postgres://u@db/app');
    assert.equal(loadConfig(Schema, { KAFKA_BROKERS: 'x', LOG_PRETTY: 'false' }).LOG_PRETTY, false);
  });

  test('ignores variables the schema does not describe', () => {
    const config = loadConfig(Schema, { KAFKA_BROKERS: 'x', PATH: '/usr/bin' });
    assert.equal('PATH' in config, false);
  });

  test('names every bad variable with its value and the reason', () => {
    const error = captureConfigError(() =>
      loadConfig(Schema, {
        PORT: 'eighty',
        LOG_LEVEL: 'verbose',
        LOG_PRETTY: 'maybe',
        RELAY_INTERVAL_MS: '0',
        DATABASE_URL: 'mysql://root:pw@db/app',
      }),
    );
    assert.equal(error.code, 'CONFIG_INVALID');
    const byName = Object.fromEntries(error.issues.map((issue) => [issue.name, issue]));
    assert.deepEqual(Object.keys(byName).sort(), [
      'DATABASE_URL',
      'KAFKA_BROKERS',
      'LOG_LEVEL',
      'LOG_PRETTY',
      'PORT',
      'RELAY_INTERVAL_MS',
    ]);
    assert.deepEqual(byName.PORT, {
      name: 'PORT',
      value: 'eighty',
      reason: 'must be an integer from 1 to 65535',
    });
    assert.deepEqual(byName.LOG_LEVEL, {
      name: 'LOG_LEVEL',
      value: 'verbose',
      reason: 'must be one of debug, info, warn',
    });
    assert.equal(byName.LOG_PRETTY.reason, 'must be true or false');
    assert.equal(byName.KAFKA_BROKERS.value, undefined);
    assert.equal(byName.KAFKA_BROKERS.reason, 'is required');
    assert.match(byName.RELAY_INTERVAL_MS.reason, /0/);
    for (const name of Object.keys(byName)) assert.match(error.message, new RegExp(`\\b${name}=`));
  });

  test('reports out-of-range numbers', () => {
    const error = captureConfigError(() => loadConfig(Schema, { KAFKA_BROKERS: 'x', PORT: '70000' }));
    assert.equal(error.issues.length, 1);
    assert.equal(error.issues[0].name, 'PORT');
    assert.match(error.issues[0].reason, /65535/);
  });

  test('masks secrets in the reported values', () => {
    const Secrets = Type.Object({
      DATABASE_URL: Type.String({ pattern: '^postgres://' }),
      API_TOKEN: Type.String({ minLength: 32 }),
    });
    const error = captureConfigError(() =>
      loadConfig(Secrets, { DATABASE_URL: 'mysql://root:hunter2@db/app', API_TOKEN: 'short-secret' }),
    );
    assert.doesNotMatch(error.message, /hunter2|short-secret/);
    assert.match(error.message, /mysql:\/\/root:\*+@db\/app/);
  });

  test('reads variables under the names a program gives them, and flags over variables', () => {
    const Broker = Type.Object({
      port: Type.Integer({ minimum: 0, maximum: 65535, default: 9092, description: 'Kafka port' }),
      dataDir: Type.String({ minLength: 1, default: './.data/broker' }),
      flush: Type.Union([Type.Literal('interval'), Type.Literal('os')], { default: 'interval' }),
    });
    const variable = (property: string) => `APP_${property.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    const config = loadConfig(
      Broker,
      { APP_PORT: '9000', APP_DATA_DIR: '/var/env', APP_FLUSH: 'os' },
      { variable, flags: { 'data-dir': '/var/flag' } },
    );
    assert.deepEqual(config, { port: 9000, dataDir: '/var/flag', flush: 'os' });

    const error = captureConfigError(() =>
      loadConfig(
        Broker,
        { APP_PORT: 'ninety', APP_FLUSH: 'never' },
        { variable, flags: { flush: 'sometimes' } },
      ),
    );
    assert.deepEqual(error.issues, [
      { name: 'APP_PORT', value: 'ninety', reason: 'must be an integer from 0 to 65535' },
      { name: '--flush', value: 'sometimes', reason: 'must be one of interval, os' },
    ]);
    assert.match(
      optionsHelp(Broker, { variable }).join('\n'),
      /--port\s+APP_PORT\s+Kafka port \(default 9092\)/,
    );
  });

  test('keeps the help columns apart however long a flag or variable name is', () => {
    const Long = Light.Object({
      port: Light.Integer({ default: 1, description: 'short' }),
      allowEveryoneIfNoAclFoundAndThenSome: Light.Boolean({ default: false, description: 'long' }),
    });
    const lines = optionsHelp(Long, { variable: (p) => `APP_${p.toUpperCase()}` });
    assert.match(
      lines[1],
      /--allow-everyone-if-no-acl-found-and-then-some +APP_ALLOWEVERYONEIFNOACLFOUNDANDTHENSOME +long/,
    );
    assert.equal(lines[0].indexOf('APP_PORT'), lines[1].indexOf('APP_ALLOW'), 'the columns line up');
  });

  test('says what a bounded number, a blank text and a forbidden value must be', () => {
    const Bounds = Type.Object({
      TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 60_000 }),
      NAME: Type.String({ minLength: 1, default: 'x' }),
      FACTOR: Type.Integer({ minimum: -1, maximum: 32, not: Type.Literal(0), default: -1 }),
    });
    const error = captureConfigError(() => loadConfig(Bounds, { TIMEOUT_MS: '5', NAME: ' ', FACTOR: '0' }));
    assert.deepEqual(
      error.issues.map((issue) => `${issue.name}: ${issue.reason}`),
      ['TIMEOUT_MS: must be an integer of at least 1000', 'NAME: must not be blank', 'FACTOR: must not be 0'],
    );
  });
});

describe('the light schema builder', () => {
  // The same settings described with TypeBox and with @tributary/config's Type read the same way.
  const build = (T: typeof Type | typeof Light) =>
    T.Object({
      PORT: T.Integer({ minimum: 1, maximum: 65535, default: 5001 }),
      NAME: T.String({ minLength: 1 }),
      URL: T.Optional(T.String({ pattern: '^postgres://' })),
      MODE: T.Union([T.Literal('fast'), T.Literal('safe')], { default: 'safe' }),
      VERBOSE: T.Boolean({ default: false }),
      RATIO: T.Number({ exclusiveMinimum: 0, default: 0.5 }),
    });
  const heavy = build(Type);
  const light = build(Light);

  test('requires what has no default and is not optional, like TypeBox', () => {
    assert.deepEqual(light.required, heavy.required);
    assert.deepEqual(light.required, ['PORT', 'NAME', 'MODE', 'VERBOSE', 'RATIO']);
  });

  test('reads good and bad settings exactly as a TypeBox schema does', () => {
    const good = { NAME: 'n', URL: 'postgres://db/x', MODE: 'fast', VERBOSE: 'TRUE', RATIO: '2.5' };
    assert.deepEqual(loadConfig(light, good), loadConfig(heavy, good));
    assert.deepEqual(loadConfig(light, good), {
      PORT: 5001,
      NAME: 'n',
      URL: 'postgres://db/x',
      MODE: 'fast',
      VERBOSE: true,
      RATIO: 2.5,
    });
    const bad = { PORT: '0', NAME: '  ', URL: 'mysql://x', MODE: 'slow', VERBOSE: 'yes', RATIO: '0' };
    const issues = (schema: typeof heavy | typeof light) =>
      captureConfigError(() => loadConfig(schema, bad)).issues;
    assert.deepEqual(issues(light), issues(heavy));
    assert.deepEqual(
      issues(light).map((issue) => `${issue.name}: ${issue.reason}`),
      [
        'PORT: must be an integer from 1 to 65535',
        'NAME: must not be blank',
        'URL: must be text matching ^postgres://',
        'MODE: must be one of fast, safe',
        'VERBOSE: must be true or false',
        'RATIO: must be a number greater than 0',
      ],
    );
  });

  test('checks settings given as values: defaults, bad values and unknown names', () => {
    assert.deepEqual(checkSettings(light, { NAME: 'n', MODE: 'fast' }), {
      settings: { PORT: 5001, NAME: 'n', MODE: 'fast', VERBOSE: false, RATIO: 0.5 },
      problems: [],
    });
    assert.deepEqual(checkSettings(light, { NAME: 'n', PORT: 1.5, colour: 'red' }).problems, [
      'colour: unknown option',
      'PORT: must be an integer from 1 to 65535 (got 1.5)',
    ]);
  });
});
