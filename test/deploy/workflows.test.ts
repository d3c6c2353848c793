// The GitHub workflows and Dependabot: valid against the workflow schema, and every script, file and
// Dockerfile target they name exists.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateWorkflow } from '@action-validator/core';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFile(resolve(ROOT, path), 'utf8');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { steps: Step[]; strategy?: { matrix: Record<string, string[]> } }>;
}

async function workflow(name: string): Promise<{ text: string; parsed: Workflow }> {
  const text = await read(`.github/workflows/${name}`);
  return { text, parsed: parse(text) as Workflow };
}

function steps(parsed: Workflow): Step[] {
  return Object.values(parsed.jobs).flatMap((job) => job.steps);
}

describe('GitHub workflows', () => {
  for (const name of ['ci.yml', 'release.yml']) {
    test(`${name} is valid against the workflow schema`, async () => {
      const { errors } = validateWorkflow((await workflow(name)).text);
      assert.deepEqual(errors, []);
    });
  }

  test('the schema check notices a broken workflow', async () => {
    const { text } = await workflow('ci.yml');
    const { errors } = validateWorkflow(text.replace('runs-on: ubuntu-24.04', 'runs_on: ubuntu-24.04'));
    assert.ok(errors.length > 0);
  });

  test('ci.yml runs on push and pull request: typecheck, lint, npm test and the container tests, on Node 24', async () => {
    const { parsed } = await workflow('ci.yml');
    assert.ok('push' in parsed.on && 'pull_request' in parsed.on);
    const scripts = (JSON.parse(await read('package.json')) as { scripts: Record<string, string> }).scripts;
    const runs = steps(parsed).flatMap((s) => (s.run ? [s.run] : []));
    for (const script of ['typecheck', 'lint', 'test', 'test:containers']) {
      assert.ok(script in scripts, `package.json has no ${script} script`);
      const command = script === 'test' ? /npm test\b/ : new RegExp(`npm run ${script}(\\s|$)`);
      assert.ok(
        runs.some((r) => command.test(r)),
        `ci.yml does not run ${script}`,
      );
    }
    const node = steps(parsed).filter((s) => s.uses?.startsWith('actions/setup-node'));
    assert.ok(node.length > 0 && node.every((s) => String(s.with?.['node-version']) === '24'));
    assert.ok((parsed.jobs.test as unknown as { services: Record<string, unknown> }).services.postgres);
  });

  test('release.yml builds every Dockerfile target to GHCR with SBOM and provenance, and pushes the chart', async () => {
    const { parsed, text } = await workflow('release.yml');
    const dockerfile = await read('Dockerfile');
    const targets = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
    const components = parsed.jobs.images.strategy?.matrix.component ?? [];
    for (const component of components)
      assert.ok(targets.includes(component), `no Dockerfile target ${component}`);
    for (const runtime of ['user-service', 'order-service', 'broker', 'console'])
      assert.ok(components.includes(runtime), `${runtime} is not released`);
    const build = steps(parsed).find((s) => s.uses?.startsWith('docker/build-push-action'));
    assert.equal(build?.with?.sbom, true);
    assert.equal(build?.with?.provenance, 'mode=max');
    assert.match(String(build?.with?.platforms), /linux\/amd64,linux\/arm64/);
    assert.match(
      text,
      /ghcr\.io\/\$\{\{ github\.repository_owner \}\}\/tributary-\$\{\{ matrix\.component \}\}/,
    );
    const chart = text.match(/helm package (\S+)/)?.[1];
    assert.ok(chart && existsSync(resolve(ROOT, chart, 'Chart.yaml')), `helm package ${chart}`);
    assert.match(text, /helm push .* "oci:\/\/ghcr\.io\//);
  });

  test('Dependabot watches npm, GitHub Actions and the Docker base images', async () => {
    const config = parse(await read('.github/dependabot.yml')) as {
      updates: { 'package-ecosystem': string; directory: string }[];
    };
    const ecosystems = config.updates.map((u) => u['package-ecosystem']);
    for (const ecosystem of ['npm', 'github-actions', 'docker'])
      assert.ok(ecosystems.includes(ecosystem), ecosystem);
    for (const update of config.updates) assert.ok(existsSync(resolve(ROOT, `.${update.directory}`)));
  });
});
