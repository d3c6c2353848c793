// Broker memory under greedy clients: 8 connections each park an 89 MiB partial request (declared 90 MiB).
// Two broker processes take turns, the default --max-buffered-bytes (256 MiB) and one large enough never to
// act (4 GiB, the broker without the limit); for each the RSS is read idle, while the partial requests are
// parked, and once the clients have left, and printed with its ratio to the idle RSS.
// Usage: node bench/broker-greedy-clients.bench.ts [--rounds 3] [--clients 8]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBrokerProcess } from './broker-process.ts';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, clients: { type: 'string', default: '8' } },
});
const ROUNDS = Number(values.rounds);
const CLIENTS = Number(values.clients);
const MiB = 1024 * 1024;
const DECLARED = 90 * MiB;
const SENT = 89 * MiB;

const VARIANTS = [
  { name: 'limited (256 MiB)', args: [] as string[] },
  { name: 'unlimited', args: ['--max-buffered-bytes', String(4096 * MiB)] },
];

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(address: string): Promise<Socket> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), host, () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes a size prefix of DECLARED and SENT bytes; resolves once written or once the broker closed it. */
function park(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.on('error', () => {});
    socket.once('close', () => resolve());
    const head = Buffer.alloc(4);
    head.writeInt32BE(DECLARED);
    socket.write(head);
    const chunk = Buffer.alloc(MiB, 1);
    for (let i = 0; i < SENT / MiB - 1; i++) socket.write(chunk);
    socket.write(chunk, () => resolve());
  });
}

async function round(variant: (typeof VARIANTS)[number]) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-greedy-'));
  const broker = await startBrokerProcess(dataDir, variant.args);
  try {
    const pid = broker.pid!;
    await settle(500);
    const idle = await rssMiB(pid);
    const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => open(broker.address)));
    await Promise.all(sockets.map(park));
    await settle(1000); // the last chunks reach the broker
    const parked = await rssMiB(pid);
    const closed = sockets.filter((s) => s.destroyed).length;
    for (const s of sockets) s.destroy();
    await settle(2000);
    const after = await rssMiB(pid);
    return { idle, parked, after, closed };
  } finally {
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const results = new Map<string, Awaited<ReturnType<typeof round>>[]>(VARIANTS.map((v) => [v.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
  for (const v of order) results.get(v.name)!.push(await round(v));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `${CLIENTS} connections × ${SENT / MiB} MiB partial requests; ${ROUNDS} alternating rounds, medians\n`,
);
for (const v of VARIANTS) {
  const rs = results.get(v.name)!;
  const idle = median(rs.map((x) => x.idle));
  const parked = median(rs.map((x) => x.parked));
  const after = median(rs.map((x) => x.after));
  console.log(
    `${v.name}: idle ${idle.toFixed(0)} MiB, parked ${parked.toFixed(0)} MiB (${(parked / idle).toFixed(2)}× idle), ` +
      `after the clients left ${after.toFixed(0)} MiB (${(after / idle).toFixed(2)}× idle); ` +
      `closed by the broker ${median(rs.map((x) => x.closed))}/${CLIENTS}`,
  );
}
