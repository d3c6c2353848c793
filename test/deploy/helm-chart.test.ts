// The Helm chart: lint and render with several values files, validate what it renders against the
// Kubernetes API schemas, and check what an operator relies on (probes, hardening, secrets, options).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { type HelmBinary, unpackHelm } from './support/helm-binary.ts';
import { type KubernetesObject, validateKubernetesObject } from './support/kubernetes-schemas.ts';

const run = promisify(execFile);
const CHART = fileURLToPath(new URL('../../deploy/helm/tributary', import.meta.url));
const VALUES = {
  defaults: `${CHART}/ci/default-values.yaml`,
  embedded: `${CHART}/ci/embedded-broker-values.yaml`,
  everything: `${CHART}/ci/everything-values.yaml`,
};

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  securityContext: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  livenessProbe?: { httpGet?: { path: string; port: string }; tcpSocket?: unknown };
  readinessProbe?: { httpGet?: { path: string; port: string }; tcpSocket?: unknown };
  startupProbe?: { httpGet?: { path: string; port: string }; tcpSocket?: unknown };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  securityContext: Record<string, unknown> & { seccompProfile?: { type: string } };
  containers: Container[];
}

let helm: HelmBinary;

before(async () => {
  helm = await unpackHelm();
});
after(async () => {
  await helm?.remove();
});

async function template(args: string[]): Promise<KubernetesObject[]> {
  const { stdout } = await run(helm.path, ['template', 'rel', CHART, '--namespace', 'shop', ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseAllDocuments(stdout)
    .map((doc) => doc.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => object !== null);
}

async function templateError(args: string[]): Promise<string> {
  try {
    await run(helm.path, ['template', 'rel', CHART, ...args]);
  } catch (err) {
    return (err as { stderr: string }).stderr;
  }
  assert.fail(`helm template ${args.join(' ')} succeeded`);
}

function find(objects: KubernetesObject[], kind: string, name: string): KubernetesObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(
    found,
    `${kind} ${name} not rendered; rendered: ${objects.map((o) => `${o.kind}/${o.metadata.name}`)}`,
  );
  return found;
}

function podSpec(object: KubernetesObject): PodSpec {
  if (object.kind === 'Pod') return object.spec as PodSpec;
  return (object.spec as { template: { spec: PodSpec } }).template.spec;
}

function assertHardened(object: KubernetesObject): void {
  const spec = podSpec(object);
  const where = `${object.kind} ${object.metadata.name}`;
  assert.equal(spec.securityContext.runAsNonRoot, true, where);
  assert.equal(spec.securityContext.runAsUser, 65532, where);
  assert.equal(spec.securityContext.seccompProfile?.type, 'RuntimeDefault', where);
  for (const container of spec.containers) {
    assert.equal(container.securityContext.readOnlyRootFilesystem, true, where);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false, where);
    assert.deepEqual(container.securityContext.capabilities?.drop, ['ALL'], where);
  }
}

describe('helm chart deploy/helm/tributary', () => {
  for (const [name, file] of Object.entries(VALUES)) {
    test(`passes helm lint --strict with the ${name} values`, async () => {
      const { stdout } = await run(helm.path, ['lint', CHART, '--strict', '-f', file]);
      assert.match(stdout, /0 chart\(s\) failed/);
    });

    test(`renders only objects valid against the Kubernetes API schemas with the ${name} values`, async () => {
      const objects = await template(['-f', file]);
      assert.ok(objects.length >= 6, `only ${objects.length} objects rendered`);
      for (const object of objects) validateKubernetesObject(object);
    });
  }

  test('defaults: both services as Deployments probing /health/live and /health/ready, DATABASE_URL from a Secret', async () => {
    const objects = await template(['-f', VALUES.defaults]);
    assert.equal(objects.filter((o) => o.kind === 'StatefulSet').length, 0, 'no broker unless asked for');
    const secret = find(objects, 'Secret', 'rel-tributary-database');
    assert.equal(
      (secret.stringData as Record<string, string>).DATABASE_URL,
      'postgres://tributary:secret@postgres:5432/tributary',
    );
    const config = find(objects, 'ConfigMap', 'rel-tributary-config');
    assert.equal(
      (config.data as Record<string, string>).KAFKA_BROKERS,
      'kafka-0.kafka:9092,kafka-1.kafka:9092',
    );
    for (const [component, port] of [
      ['user-service', 5001],
      ['order-service', 5002],
    ] as const) {
      const deployment = find(objects, 'Deployment', `rel-tributary-${component}`);
      assertHardened(deployment);
      const [container] = podSpec(deployment).containers;
      assert.equal(container.image, `ghcr.io/tributary/tributary-${component}:0.1.0`);
      assert.deepEqual(container.livenessProbe?.httpGet, { path: '/health/live', port: 'http' });
      assert.deepEqual(container.readinessProbe?.httpGet, { path: '/health/ready', port: 'http' });
      assert.deepEqual(container.startupProbe?.httpGet, { path: '/health/live', port: 'http' });
      const databaseUrl = container.env?.find((e) => e.name === 'DATABASE_URL');
      assert.deepEqual(databaseUrl?.valueFrom?.secretKeyRef, {
        name: 'rel-tributary-database',
        key: 'DATABASE_URL',
      });
      assert.equal(databaseUrl?.value, undefined, 'the connection string never appears in the Deployment');
      assert.equal(container.envFrom?.[0]?.configMapRef?.name, 'rel-tributary-config');
      assert.equal(container.env?.find((e) => e.name === 'PORT')?.value, String(port));
      assert.ok(
        container.volumeMounts?.some((m) => m.mountPath === '/tmp'),
        'a writable /tmp on the read-only root filesystem',
      );
      const service = find(objects, 'Service', `rel-tributary-${component}`);
      assert.equal((service.spec as { ports: { port: number }[] }).ports[0].port, port);
      find(objects, 'PodDisruptionBudget', `rel-tributary-${component}`);
    }
    const hook = find(objects, 'Pod', 'rel-tributary-test-health');
    assert.equal(hook.metadata.annotations?.['helm.sh/hook'], 'test');
    assertHardened(hook);
    const args = (podSpec(hook).containers[0] as unknown as { args: string[] }).args;
    assert.ok(args.includes('http://rel-tributary-user-service:5001/health/ready'), String(args));
    assert.ok(args.includes('http://rel-tributary-order-service:5002/health/ready'), String(args));
  });

  test('embedded broker: a StatefulSet with a volume, the services pointed at it, PGlite on one replica each', async () => {
    const objects = await template(['-f', VALUES.embedded]);
    const broker = find(objects, 'StatefulSet', 'rel-tributary-broker');
    assertHardened(broker);
    assert.equal((broker.spec as { replicas: number }).replicas, 1);
    const [container] = podSpec(broker).containers;
    assert.ok(container.livenessProbe?.tcpSocket, 'the broker is probed over TCP');
    assert.equal(
      container.env?.find((e) => e.name === 'TRIBUTARY_BROKER_ADVERTISED_HOST')?.value,
      'rel-tributary-broker',
    );
    const claims = (
      broker.spec as { volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] }
    ).volumeClaimTemplates;
    assert.equal(claims[0].spec.resources.requests.storage, '10Gi');
    // Prometheus metrics on a port of their own, reachable from other pods through the Service.
    const envOf = (name: string) => container.env?.find((e) => e.name === name)?.value;
    assert.equal(envOf('TRIBUTARY_BROKER_METRICS_PORT'), '9464');
    assert.equal(envOf('TRIBUTARY_BROKER_METRICS_HOST'), '0.0.0.0');
    const ports = (container as { ports?: { name: string; containerPort: number }[] }).ports ?? [];
    assert.ok(ports.some((p) => p.name === 'metrics' && p.containerPort === 9464));
    const service = find(objects, 'Service', 'rel-tributary-broker');
    assert.ok(
      (service.spec as { ports: { name: string; port: number }[] }).ports.some(
        (p) => p.name === 'metrics' && p.port === 9464,
      ),
    );
    const config = find(objects, 'ConfigMap', 'rel-tributary-config');
    assert.equal((config.data as Record<string, string>).KAFKA_BROKERS, 'rel-tributary-broker:9092');
    assert.equal(objects.filter((o) => o.kind === 'Secret').length, 0, 'no database Secret with PGlite');
    for (const component of ['user-service', 'order-service']) {
      const deployment = find(objects, 'Deployment', `rel-tributary-${component}`);
      assert.equal((deployment.spec as { replicas: number }).replicas, 1);
      assert.equal(
        podSpec(deployment).containers[0].env?.find((e) => e.name === 'DATABASE_URL'),
        undefined,
      );
    }
  });

  test('everything on: HPAs, Kafka SASL and TLS from Secrets, console token from a Secret, ServiceMonitor, NetworkPolicies, own registry', async () => {
    const objects = await template(['-f', VALUES.everything]);
    for (const component of ['user-service', 'order-service']) {
      const deployment = find(objects, 'Deployment', `rel-tributary-${component}`);
      assert.equal((deployment.spec as { replicas?: number }).replicas, undefined, 'the HPA owns replicas');
      assert.equal(
        podSpec(deployment).containers[0].image,
        `registry.example.com/platform/tributary-${component}:1.2.3`,
      );
      assert.deepEqual(
        podSpec(deployment).containers[0].env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom,
        {
          secretKeyRef: { name: 'tributary-db', key: 'url' },
        },
      );
      const env = podSpec(deployment).containers[0].env ?? [];
      const envOf = (name: string) => env.find((e) => e.name === name);
      assert.equal(envOf('KAFKA_SASL_MECHANISM')?.value, 'SCRAM-SHA-512');
      assert.deepEqual(envOf('KAFKA_SASL_PASSWORD')?.valueFrom, {
        secretKeyRef: { name: 'kafka-credentials', key: 'password' },
      });
      assert.equal(envOf('KAFKA_SSL')?.value, 'true');
      assert.equal(envOf('KAFKA_SSL_CA_FILE')?.value, '/etc/tributary/kafka-tls/ca.crt');
      assert.equal(envOf('KAFKA_SSL_SERVERNAME')?.value, 'kafka.internal');
      assert.ok(
        podSpec(deployment).containers[0].volumeMounts?.some(
          (m) => m.mountPath === '/etc/tributary/kafka-tls',
        ),
        'the CA Secret is mounted where KAFKA_SSL_CA_FILE points',
      );
      find(objects, 'HorizontalPodAutoscaler', `rel-tributary-${component}`);
      find(objects, 'NetworkPolicy', `rel-tributary-${component}`);
    }
    assert.equal(
      objects.filter((o) => o.kind === 'Secret' && o.metadata.name === 'rel-tributary-database').length,
      0,
      'an existing Secret is used as it is',
    );
    const console = find(objects, 'Deployment', 'rel-tributary-console');
    assertHardened(console);
    assert.deepEqual(podSpec(console).containers[0].env?.find((e) => e.name === 'CONSOLE_TOKEN')?.valueFrom, {
      secretKeyRef: { name: 'rel-tributary-console', key: 'CONSOLE_TOKEN' },
    });
    const monitor = find(objects, 'ServiceMonitor', 'rel-tributary');
    assert.equal(monitor.metadata.labels?.release, 'prometheus');
    assert.deepEqual((monitor.spec as { endpoints: unknown[] }).endpoints, [
      { port: 'http', path: '/metrics', interval: '30s' },
      { port: 'metrics', path: '/metrics', interval: '30s' },
    ]);
    assert.deepEqual(
      (monitor.spec as { selector: { matchExpressions: { values: string[] }[] } }).selector
        .matchExpressions[0].values,
      ['user-service', 'order-service', 'broker'],
      'the broker is scraped too',
    );
    const brokerPolicy = find(objects, 'NetworkPolicy', 'rel-tributary-broker');
    const rules = (
      brokerPolicy.spec as {
        ingress: { ports: { port: number }[]; from: { namespaceSelector?: unknown }[] }[];
      }
    ).ingress;
    const metricsRule = rules.find((r) => r.ports.some((p) => p.port === 9464));
    assert.ok(metricsRule, 'the metrics port is open to scrapers');
    assert.deepEqual(metricsRule.from[1]?.namespaceSelector, {
      matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
    });
    assert.ok(
      rules
        .find((r) => r.ports.some((p) => p.port === 9092))
        ?.from.every((f) => f.namespaceSelector === undefined),
      'Kafka clients only from the release',
    );
    const config = find(objects, 'ConfigMap', 'rel-tributary-config');
    assert.equal(
      (config.data as Record<string, string>).OTEL_EXPORTER_OTLP_ENDPOINT,
      'http://otel-collector.observability:4318',
    );
  });

  test('refuses to render without Kafka brokers or a database, naming the missing value', async () => {
    assert.match(await templateError(['--set', 'database.pglite=true']), /kafka\.brokers is required/);
    assert.match(await templateError(['--set', 'kafka.brokers=kafka:9092']), /database\.url is required/);
    assert.match(
      await templateError(['-f', VALUES.defaults, '--set', 'console.enabled=true']),
      /console\.token is required/,
    );
    assert.match(
      await templateError(['-f', VALUES.defaults, '--set', 'kafka.sasl.mechanism=PLAIN']),
      /kafka\.sasl\.username is required/,
    );
  });

  test('values.schema.json rejects wrong values with the path of each', async () => {
    const stderr = await templateError([
      '-f',
      VALUES.defaults,
      '--set',
      'database.url=mysql://db/x',
      '--set',
      'userService.port=70000',
      '--set',
      'logLevel=loud',
      '--set',
      'userService.replicas=3',
      '--set',
      'kafka.sasl.mechanism=GSSAPI',
    ]);
    assert.match(stderr, /\/database\/url/);
    assert.match(stderr, /\/userService\/port/);
    assert.match(stderr, /\/logLevel/);
    assert.match(stderr, /replicas/);
    assert.match(stderr, /\/kafka\/sasl\/mechanism/);
  });
});
