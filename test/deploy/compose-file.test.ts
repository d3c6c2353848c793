// compose.yaml: valid against the Compose specification, each profile complete and hardened.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { COMPOSE_FILE, type ComposeFile, readComposeFile, selectProfile } from './support/compose-file.ts';

const require = createRequire(import.meta.url);
// The Compose specification's JSON schema, as shipped by the dclint package (next to its package.json).
const SCHEMA_FILE = resolve(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');
const ROOT = dirname(COMPOSE_FILE);
const OWN_IMAGES = [
  'user-service',
  'order-service',
  'embedded-user-service',
  'embedded-order-service',
  'broker',
];

async function validator() {
  // A draft-07 schema; its $schema is spelled https://…/schema, which Ajv does not know by that name.
  const { $schema: _draft, ...schema } = JSON.parse(await readFile(SCHEMA_FILE, 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

function dockerfileTargets(dockerfile: string): Set<string> {
  return new Set([...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]));
}

describe('compose.yaml', () => {
  test('is valid against the Compose specification schema', async () => {
    const validate = await validator();
    const compose = await readComposeFile();
    const valid = validate(compose);
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
  });

  test('the schema check notices a broken file (a wrong key, a bad depends_on condition)', async () => {
    const validate = await validator();
    const compose = await readComposeFile();
    const broken: ComposeFile = structuredClone(compose);
    broken.services['embedded-user-service'].depends_on = { broker: { condition: 'service_happy' } };
    broken.services.broker.restart_policy = 'always';
    assert.equal(validate(broken), false);
    const paths = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('\n');
    assert.match(paths, /depends_on/);
  });

  test('profile kafka: Apache Kafka (KRaft), PostgreSQL, both services and the observability stack', async () => {
    const compose = selectProfile(await readComposeFile(), 'kafka');
    assert.deepEqual(Object.keys(compose.services).sort(), [
      'console',
      'grafana',
      'kafka',
      'order-service',
      'otel-collector',
      'postgres',
      'prometheus',
      'user-service',
    ]);
    const kafka = compose.services.kafka;
    assert.match(kafka.image ?? '', /^apache\/kafka:/);
    assert.equal(kafka.environment?.KAFKA_PROCESS_ROLES, 'broker,controller');
    for (const name of ['user-service', 'order-service']) {
      const env = compose.services[name].environment ?? {};
      assert.equal(env.KAFKA_BROKERS, 'kafka:9092');
      assert.match(String(env.DATABASE_URL), /^postgres:\/\/tributary:\$\{POSTGRES_PASSWORD:\?/);
      assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector:4318');
    }
  });

  test('profile embedded: Tributary broker instead of Kafka, PGlite volumes instead of PostgreSQL', async () => {
    const compose = selectProfile(await readComposeFile(), 'embedded');
    assert.deepEqual(Object.keys(compose.services).sort(), [
      'broker',
      'embedded-console',
      'embedded-order-service',
      'embedded-user-service',
      'grafana',
      'otel-collector',
      'prometheus',
    ]);
    // The broker serves metrics on the compose network, at the port Prometheus scrapes.
    const broker = compose.services.broker.environment ?? {};
    assert.equal(String(broker.TRIBUTARY_BROKER_METRICS_HOST), '0.0.0.0');
    const prometheus = parseYaml(
      await readFile(resolve(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'),
    ) as {
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    const job = prometheus.scrape_configs.find((c) => c.job_name === 'broker');
    assert.deepEqual(job?.dns_sd_configs?.[0]?.names, ['broker']);
    assert.equal(String(broker.TRIBUTARY_BROKER_METRICS_PORT), String(job?.dns_sd_configs?.[0]?.port));
    for (const name of ['embedded-user-service', 'embedded-order-service']) {
      const service = compose.services[name];
      assert.equal(service.environment?.KAFKA_BROKERS, 'broker:9092');
      assert.equal(service.environment?.DATABASE_URL, undefined);
      assert.ok(
        service.volumes?.some((v) => v.endsWith(':/data')),
        `${name} keeps its data in a volume`,
      );
    }
  });

  test('every dependency waits for a healthcheck of a service in the same profile', async () => {
    const file = await readComposeFile();
    for (const profile of ['kafka', 'embedded']) {
      const compose = selectProfile(file, profile);
      for (const [name, service] of Object.entries(compose.services)) {
        for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
          assert.equal(condition, 'service_healthy', `${profile}: ${name} → ${dependency}`);
          assert.ok(compose.services[dependency].healthcheck, `${profile}: ${dependency} has no healthcheck`);
        }
      }
      for (const name of OWN_IMAGES.filter((n) => n in compose.services))
        assert.ok(compose.services[name].healthcheck, `${profile}: ${name} has no healthcheck`);
    }
  });

  test("Tributary's containers run non-root, read-only, without capabilities, and build existing Dockerfile targets", async () => {
    const compose = await readComposeFile();
    const targets = dockerfileTargets(await readFile(resolve(ROOT, 'Dockerfile'), 'utf8'));
    for (const name of OWN_IMAGES) {
      const service = compose.services[name];
      assert.equal(service.read_only, true, name);
      assert.equal(service.user, '65532:65532', name);
      assert.deepEqual(service.cap_drop, ['ALL'], name);
      assert.ok(service.security_opt?.includes('no-new-privileges:true'), name);
      assert.ok(targets.has(service.build?.target ?? ''), `${name} builds target ${service.build?.target}`);
    }
  });

  test('holds no secrets: passwords come from the environment (.env.example lists them)', async () => {
    const text = await readFile(COMPOSE_FILE, 'utf8');
    const example = await readFile(resolve(ROOT, '.env.example'), 'utf8');
    for (const line of text.split('\n')) {
      const match = /^\s*[A-Z_]*(PASSWORD|SECRET|TOKEN)[A-Z_]*:\s*(.+)$/.exec(line);
      if (match) assert.match(match[2], /^\$\{[A-Z_]+:\?/, `a literal secret: ${line.trim()}`);
    }
    for (const variable of new Set([...text.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1])))
      assert.match(example, new RegExp(`^${variable}=`, 'm'), `${variable} is missing from .env.example`);
  });

  test('every file it mounts exists in the repository', async () => {
    const compose = await readComposeFile();
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (!source.startsWith('./')) continue;
        assert.ok(existsSync(resolve(ROOT, source)), `${name} mounts ${source}, which does not exist`);
      }
    }
  });
});
