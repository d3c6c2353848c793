// Starts the broker as its own process, as it runs under `npm start`, so it and the client each get a core.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export async function startBrokerProcess(dataDir: string, extraArgs: string[] = []) {
  const bin = fileURLToPath(new URL('../packages/broker/src/bin/tributary-broker.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [bin, '--port', '0', '--data-dir', dataDir, '--log-level', 'info', ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let metricsUrl: string | undefined;
  let plaintextAddress: string | undefined;
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as {
        msg?: string;
        address?: string;
        metrics?: string;
        plaintext?: { address?: string };
      };
      if (entry.msg === 'broker listening' && entry.address) {
        metricsUrl = entry.metrics;
        plaintextAddress = entry.plaintext?.address;
        resolve(entry.address);
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  return {
    address,
    /** `http://host:port/metrics` when started with `--metrics-port`. */
    metricsUrl,
    /** The plaintext listener beside a TLS one (`--plaintext-port`). */
    plaintextAddress,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    /** Ends the process at once, as a crash does. */
    kill: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
