import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';

const fixture = new URL('./fixtures/slow-service.ts', import.meta.url).pathname;

interface LogLine {
  msg: string;
  [key: string]: unknown;
}

class ServiceProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  #waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];

  constructor(scenario: string) {
    this.child = spawn(process.execPath, [fixture, scenario], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.exited = once(this.child, 'exit').then(([code]) => code as number | null);
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as LogLine;
      this.lines.push(line);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.match(line)) return true;
        waiter.resolve(line);
        return false;
      });
    });
  }

  /** Resolves with the first log line (past or future) with this message; fails after a deadline. */
  waitFor(msg: string, timeoutMs = 90_000): Promise<LogLine> {
    const match = (line: LogLine) => line.msg === msg;
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "${msg}" log line within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  index(msg: string, extra?: (line: LogLine) => boolean): number {
    return this.lines.findIndex((line) => line.msg === msg && (extra === undefined || extra(line)));
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

describe('runService', () => {
  test('on SIGTERM finishes the in-flight request, runs hooks in order and exits 0', async (t) => {
    const service = new ServiceProcess('graceful');
    t.after(() => service.kill());
    const { address } = await service.waitFor('listening');

    const response = fetch(`${address}/slow`);
    await service.waitFor('slow request started');
    service.child.kill('SIGTERM');

    const answered = await response;
    assert.equal(answered.status, 200);
    assert.deepEqual(await answered.json(), { done: true });
    assert.equal(await service.exited, 0);

    const finished = service.index('slow request finishing');
    const closed = service.index('http server closed');
    const hooks = ['flush-outbox', 'leave-group', 'close-db'].map((step) =>
      service.index('hook ran', (line) => line.step === step),
    );
    assert.ok(
      service.index('shutting down') < finished,
      'the signal arrived while the request was in flight',
    );
    assert.ok(finished < closed, 'the http server closed only after the request finished');
    assert.ok(
      closed < hooks[0] && hooks[0] < hooks[1] && hooks[1] < hooks[2],
      `hooks out of order: ${hooks}`,
    );
    assert.ok(hooks[2] < service.index('shutdown complete'));
  });

  test('a hook that hangs is cut off by the overall timeout with exit code 1', async (t) => {
    const service = new ServiceProcess('hanging');
    t.after(() => service.kill());
    await service.waitFor('listening');
    service.child.kill('SIGTERM');
    assert.equal(await service.exited, 1);
    assert.ok(service.index('hook ran', (line) => line.step === 'flush-outbox') >= 0);
    assert.ok(service.index('shutdown timed out; forcing exit') >= 0);
    assert.equal(
      service.index('hook ran', (line) => line.step === 'close-db'),
      -1,
    );
  });

  test('a second signal forces exit 1 during shutdown', async (t) => {
    const service = new ServiceProcess('hanging');
    t.after(() => service.kill());
    await service.waitFor('listening');
    service.child.kill('SIGINT');
    await service.waitFor('hook ran');
    service.child.kill('SIGINT');
    assert.equal(await service.exited, 1);
    assert.ok(service.index('second signal during shutdown; forcing exit') >= 0);
    assert.equal(service.index('shutdown timed out; forcing exit'), -1);
  });
});
