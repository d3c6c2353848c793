// What `npm start` does before and around its children: configuration and port checks that stop the start
// with a message naming what to change, restarts of a crashed child with backoff (and giving up), and the
// order in which it stops them. The supervisor runs real child processes here (a stub, so this is quick).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LogStream } from '../../scripts/start/log-stream.ts';
import { ownsListeningPort } from '../../scripts/start/port-owner.ts';
import { type ProcessSpec, Supervisor } from '../../scripts/start/supervisor.ts';
import { freePort } from './support/free-port.ts';
import { Launcher, type LogLine } from './support/launcher.ts';

const STUB = fileURLToPath(new URL('./fixtures/stub-child.ts', import.meta.url));

describe('npm start refuses to start', { timeout: 60_000 }, () => {
  it('names every bad variable and what it must be, and exits 2', async (t) => {
    const launcher = new Launcher({
      BROKER_PORT: 'kafka',
      USER_SERVICE_PORT: '70000',
      LOG_LEVEL: 'loud',
      STARTUP_TIMEOUT_MS: '5',
    });
    t.after(() => launcher.cleanup());
    const { code } = await launcher.exited;
    assert.equal(code, 2);
    assert.match(launcher.stderr, /BROKER_PORT="kafka": must be an integer from 1 to 65535/);
    assert.match(launcher.stderr, /USER_SERVICE_PORT="70000": must be an integer from 1 to 65535/);
    assert.match(launcher.stderr, /LOG_LEVEL="loud": must be one of fatal, error, warn, info, debug, trace/);
    assert.match(launcher.stderr, /STARTUP_TIMEOUT_MS="5": must be an integer of at least 1000/);
    assert.equal(launcher.pids.size, 0, 'nothing was started');
  });

  it('names a port another program holds and the variable to change, before starting anything', async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-launcher-'));
    const squatter = createServer();
    t.after(async () => {
      squatter.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const taken = (squatter.address() as { port: number }).port;
    const launcher = new Launcher({
      TRIBUTARY_DATA_DIR: dataDir,
      BROKER_PORT: String(await freePort()),
      USER_SERVICE_PORT: String(await freePort()),
      CONSOLE_PORT: String(await freePort()),
      ORDER_SERVICE_PORT: String(taken),
    });
    t.after(() => launcher.cleanup());
    const { code } = await launcher.exited;
    assert.equal(code, 3);
    assert.match(launcher.stderr, new RegExp(`port ${taken} \\(the Order Service\\) is already in use`));
    assert.match(launcher.stderr, /set ORDER_SERVICE_PORT to a free port/);
    assert.equal(launcher.pids.size, 0, 'nothing was started');
    assert.ok(!launcher.lines.some((l) => String(l.msg).includes('Tributary is up')));
  });
});

/** A supervisor whose JSON log lines land in `lines`. */
function supervised(restart = {}, readyPollMs?: number) {
  const out = new PassThrough();
  const lines: LogLine[] = [];
  out.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.startsWith('{')) lines.push(JSON.parse(line));
  });
  const supervisor = new Supervisor(new LogStream(out, 'json', ['a', 'b', 'c']), {
    startupTimeoutMs: 30_000,
    restart,
    readyPollMs,
  });
  return { supervisor, lines };
}

async function stub(name: string, stage: number, env: Record<string, string> = {}): Promise<ProcessSpec> {
  const port = await freePort();
  return {
    name,
    stage,
    args: [STUB],
    env: { NAME: name, PORT: String(port), ...env },
    ready: () =>
      fetch(`http://127.0.0.1:${port}`).then(
        () => true,
        (err: Error & { cause?: { code?: string } }) => err.cause?.code !== 'ECONNREFUSED',
      ),
  };
}

describe('the supervisor', { timeout: 120_000 }, () => {
  it('restarts a crashing child after a backoff, logging each restart, and gives up after repeated crashes', async (t) => {
    const { supervisor, lines } = supervised({ maxCrashes: 3, windowMs: 60_000, initialDelayMs: 50 });
    t.after(() => supervisor.killAll());
    const gaveUp = new Promise<string>((resolve) => {
      supervisor.onGiveUp = resolve;
    });
    await supervisor.start(await stub('a', 0, { CRASH_AFTER_MS: '300' }));
    assert.equal(await gaveUp, 'a');
    const restarts = lines.filter((l) => String(l.msg).startsWith('a ended unexpectedly (exit code 1)'));
    assert.equal(restarts.length, 2, 'two restarts, then the third crash within the window gives up');
    assert.match(String(restarts[0].msg), /restarting in \d+ ms \(crash 1 of 3 allowed within 60 s\)/);
    assert.equal(lines.filter((l) => l.msg === 'a restarted and ready again').length, 2);
    assert.ok(
      lines.some(
        (l) =>
          l.level === 50 && /a ended \(exit code 1\): crash 3 within 60 s; giving up/.test(String(l.msg)),
      ),
    );
  });

  it('stops later stages first, the processes of one stage together, and reports a clean stop', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-supervisor-'));
    const { supervisor } = supervised();
    t.after(async () => {
      supervisor.killAll();
      await rm(dir, { recursive: true, force: true });
    });
    const stopLog = join(dir, 'stops');
    const slow = { STOP_LOG: stopLog, STOP_DELAY_MS: '300' };
    await supervisor.start(await stub('a', 0, slow));
    await Promise.all([
      supervisor.start(await stub('b', 1, slow)),
      supervisor.start(await stub('c', 1, slow)),
    ]);
    assert.equal(await supervisor.stopAll(10_000), true);
    const order = (await readFile(stopLog, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    assert.equal(order.length, 3);
    assert.equal(order[2], 'a', 'stage 0 is asked to stop only after stage 1 has exited');
    assert.deepEqual(order.slice(0, 2).sort(), ['b', 'c']);
  });

  it('counts a readiness answer only from the child itself listening on its port', async (t) => {
    const port = await freePort();
    const child = spawn(process.execPath, [STUB], {
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.once('exit', r));
    t.after(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const owns = await ownsListeningPort(child.pid!, port);
      if (process.platform !== 'linux') {
        assert.equal(owns, undefined, 'unknown without /proc');
        return;
      }
      if (owns === true) break;
      assert.ok(Date.now() < deadline, 'the child listens within a minute');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await ownsListeningPort(process.pid, port), false, 'another process does not own it');
    assert.equal(await ownsListeningPort(child.pid!, await freePort()), false, 'nor does it own a free port');
  });

  it('probes again as soon as a child logs that it is ready instead of waiting out the poll interval', async (t) => {
    // A first wait of 60 s between probes: only the child's log line can make the start finish sooner.
    const { supervisor, lines } = supervised({}, 60_000);
    t.after(() => supervisor.killAll());
    const spec = await stub('a', 0, { LISTEN_DELAY_MS: '300' });
    const started = performance.now();
    await supervisor.start({ ...spec, readyHint: (entry) => entry.msg === 'listening' });
    assert.ok(performance.now() - started < 30_000, 'ready long before the next scheduled probe');
    assert.ok(
      lines.some((l) => l.process === 'a' && l.msg === 'listening'),
      "the child's line is still logged",
    );
  });

  it('kills a child that does not stop in time and reports the stop as unclean', async (t) => {
    const { supervisor, lines } = supervised();
    t.after(() => supervisor.killAll());
    await supervisor.start(await stub('a', 0, { STOP_DELAY_MS: '60000' }));
    assert.equal(await supervisor.stopAll(500), false);
    assert.ok(lines.some((l) => l.msg === 'a did not stop within 500 ms; killing it'));
    assert.ok(lines.some((l) => l.msg === 'a stopped (killed by SIGKILL)'));
  });
});
