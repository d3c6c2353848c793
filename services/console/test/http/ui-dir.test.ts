// UI_DIR: the console serves a prebuilt UI bundle (as the container image does) instead of building one.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type ConsoleProcess, startConsoleProcess } from '../support/console-process.ts';

let work: string;
const processes: ConsoleProcess[] = [];

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'console-ui-dir-'));
});

after(async () => {
  for (const p of processes) await p.kill();
  await rm(work, { recursive: true, force: true });
});

function start(uiDir: string): ConsoleProcess {
  const started = startConsoleProcess({
    KAFKA_BROKERS: '127.0.0.1:9',
    DATA_DIR: join(work, 'data'),
    UI_DIR: uiDir,
  });
  processes.push(started);
  return started;
}

test('with UI_DIR the console serves the bundle found there', async () => {
  const dir = join(work, 'dist');
  await mkdir(dir, { recursive: true });
  const js = 'document.title = "prebuilt console bundle";\n';
  const css = 'body { color: rebeccapurple; }\n';
  await writeFile(join(dir, 'app.js'), js);
  await writeFile(join(dir, 'app.css'), css);
  const base = await start(dir).ready;
  const script = await fetch(`${base}/assets/app.js`);
  assert.equal(script.status, 200);
  assert.equal(await script.text(), js);
  const style = await fetch(`${base}/assets/app.css`);
  assert.equal(style.status, 200);
  assert.equal(await style.text(), css);
});

test('a UI_DIR without a bundle stops the console at start, naming UI_DIR', async () => {
  const empty = join(work, 'empty');
  await mkdir(empty, { recursive: true });
  const started = start(empty);
  await assert.rejects(started.ready, /UI_DIR has no UI bundle/);
  assert.equal(started.child.exitCode, 2);
});
