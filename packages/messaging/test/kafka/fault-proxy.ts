// A TCP proxy in front of a broker that can make the group coordinator vanish: while `coordinatorDown` is
// set, a connection that sends a group request (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, offsets)
// is cut, as when the broker that coordinates the group dies, while everything else still gets through.
// While `fetchFailsAfterMs` is set, a Fetch request goes unanswered and its connection is cut that many
// milliseconds later, while everything else passes: reads fail while the group still works.
import { createServer, type Server, type Socket } from 'node:net';

/** OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup. */
const GROUP_API_KEYS = new Set([8, 9, 10, 11, 12, 13, 14]);

/** Fetch. */
const FETCH_API_KEY = 1;

export interface FaultProxy {
  coordinatorDown: boolean;
  fetchFailsAfterMs: number | undefined;
  /** Connections cut because of a group request or a failed fetch since the proxy started. */
  readonly cut: number;
  close(): Promise<void>;
}

export async function startFaultProxy(options: {
  listenHost: string;
  port: number;
  targetHost: string;
}): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  let cut = 0;
  const proxy: FaultProxy = {
    coordinatorDown: false,
    fetchFailsAfterMs: undefined,
    get cut() {
      return cut;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer((client) => {
    const upstream = new (client.constructor as typeof Socket)();
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.connect(options.port, options.targetHost);
    upstream.on('data', (chunk) => client.write(chunk));
    // Requests are read frame by frame (int32 size, then int16 api key) to see which API each one calls.
    let pending = Buffer.alloc(0);
    client.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 6) {
        const size = pending.readInt32BE(0);
        if (pending.length < 4 + size) return;
        const apiKey = pending.readInt16BE(4);
        if (proxy.coordinatorDown && GROUP_API_KEYS.has(apiKey)) {
          cut += 1;
          end();
          return;
        }
        if (proxy.fetchFailsAfterMs !== undefined && apiKey === FETCH_API_KEY) {
          setTimeout(() => {
            cut += 1;
            end();
          }, proxy.fetchFailsAfterMs);
        } else {
          upstream.write(pending.subarray(0, 4 + size));
        }
        pending = pending.subarray(4 + size);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.listenHost, resolve);
  });
  return proxy;
}
