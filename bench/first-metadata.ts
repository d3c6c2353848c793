// For bench:start: how long after a process is launched it answers a Kafka Metadata request. A raw v0
// request on a fresh TCP connection, retried every few milliseconds until the port accepts it.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';

const METADATA_V0 = (() => {
  const clientId = Buffer.from('bench');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
  let at = body.writeInt16BE(3, 0); // api key: Metadata
  at = body.writeInt16BE(0, at); // version 0
  at = body.writeInt32BE(1, at); // correlation id
  at = body.writeInt16BE(clientId.length, at);
  at += clientId.copy(body, at);
  body.writeInt32BE(0, at); // no topics named: all of them
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
})();

function askOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.once('connect', () => socket.write(METADATA_V0));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        socket.destroy();
        resolve(true);
      }
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** Spawns `args` (a node script and its flags), returns ms from spawn to the first Metadata answer. */
export async function firstMetadataMs(args: string[], port: number): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: 'ignore', detached: true });
  try {
    const deadline = started + 60_000;
    while (!(await askOnce(port))) {
      if (performance.now() > deadline || child.exitCode !== null)
        throw new Error(`${args[0]} never answered`);
      await new Promise((r) => setTimeout(r, 2));
    }
    return performance.now() - started;
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  }
}
