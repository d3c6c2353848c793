// The broker's TCP listeners: one port, or a TLS port and a plaintext port beside it. Accepts connections
// within the connection limit, shares one budget for partially received requests among all of them, and
// applies the idle and frame timeouts. Closing it closes every connection.
import { createServer, type Server, type Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import { BufferBudget } from './buffer-budget.ts';
import { Connection, type ConnectionLimits, type FrameHandler } from './connection.ts';

export interface ServerLimits {
  maxConnections: number;
  /** Total bytes of partially received requests across all connections. */
  maxBufferedBytes: number;
  maxFrameBytes: number;
  /** 0: never. */
  idleTimeoutMs: number;
  /** 0: never. */
  frameTimeoutMs: number;
}

export interface BrokerServerOptions {
  host: string;
  port: number;
  handler: FrameHandler;
  limits: ServerLimits;
  logger: Logger;
  /** Serve TLS with these (certificate, key, client certificates); plaintext when unset. */
  tls?: TlsOptions;
  /** With `tls`: also listen without TLS on this port (0 picks a free one). */
  plaintextPort?: number;
}

// A burst of refused connections is logged once per this interval, with how many there were.
const REFUSAL_LOG_INTERVAL_MS = 10_000;

export class BrokerServer {
  readonly #server: Server;
  readonly #plaintext: Server | undefined;
  readonly #connections = new Set<Connection>();
  readonly #budget: BufferBudget;
  readonly #connectionLimits: ConnectionLimits;
  readonly #options: BrokerServerOptions;
  readonly #sweeper: NodeJS.Timeout | undefined;
  #nextId = 0;
  #refused = 0;
  #lastRefusalLog = -Infinity;

  private constructor(
    options: BrokerServerOptions,
    createTlsServer?: typeof import('node:tls').createServer,
  ) {
    this.#options = options;
    this.#budget = new BufferBudget(options.limits.maxBufferedBytes);
    this.#connectionLimits = { ...options.limits, budget: this.#budget };
    this.#server =
      options.tls === undefined || createTlsServer === undefined
        ? createServer((socket) => this.#accept(socket, () => this.port))
        : createTlsServer(options.tls, (socket) => this.#accept(socket, () => this.port));
    this.#plaintext =
      options.tls !== undefined && options.plaintextPort !== undefined
        ? createServer((socket) => this.#accept(socket, () => this.plaintextPort ?? 0))
        : undefined;
    this.#plaintext?.on('error', (err) => options.logger.error({ err }, 'server error'));
    // A failed TLS handshake (wrong CA, no client certificate, plaintext on the TLS port): one line each.
    this.#server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: Socket) =>
      options.logger.warn(
        {
          remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
          reason: err.code ?? err.message,
        },
        'TLS handshake refused',
      ),
    );
    this.#server.on('error', (err) => options.logger.error({ err }, 'server error'));
    const { idleTimeoutMs, frameTimeoutMs } = options.limits;
    const shortest = Math.min(...[idleTimeoutMs, frameTimeoutMs].filter((ms) => ms > 0));
    if (Number.isFinite(shortest)) {
      // Checked often enough that a connection is closed at most a quarter of its timeout late.
      const every = Math.min(1000, Math.max(10, Math.floor(shortest / 4)));
      this.#sweeper = setInterval(() => this.#sweep(), every);
      this.#sweeper.unref();
    }
  }

  static async listen(options: BrokerServerOptions): Promise<BrokerServer> {
    // Node's TLS module is loaded only for a TLS listener: a plaintext broker starts without it.
    const tls = options.tls === undefined ? undefined : await import('node:tls');
    const server = new BrokerServer(
      tls === undefined || options.tls === undefined
        ? options
        : { ...options, tls: { ...options.tls, ...cipherPreference(tls.DEFAULT_CIPHERS) } },
      tls?.createServer,
    );
    const listening: Server[] = [];
    const bind = (s: Server, port: number) =>
      new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, options.host, () => {
          s.off('error', reject);
          listening.push(s);
          resolve();
        });
      });
    try {
      await bind(server.#server, options.port);
      if (server.#plaintext !== undefined) await bind(server.#plaintext, options.plaintextPort ?? 0);
    } catch (err) {
      clearInterval(server.#sweeper);
      for (const s of listening) s.close();
      throw err;
    }
    return server;
  }

  get port(): number {
    const bound = this.#server.address();
    return typeof bound === 'object' && bound ? bound.port : this.#options.port;
  }

  /** The plaintext port beside the TLS one, when there is one. */
  get plaintextPort(): number | undefined {
    const bound = this.#plaintext?.address();
    return typeof bound === 'object' && bound ? bound.port : this.#options.plaintextPort;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Bytes of partially received requests held across all connections. */
  get bufferedBytes(): number {
    return this.#budget.total;
  }

  /** Stops accepting, closes every connection and resolves once the listener is closed. */
  close(): Promise<void> {
    clearInterval(this.#sweeper);
    const closed = Promise.all(
      [this.#server, this.#plaintext]
        .filter((s) => s !== undefined)
        .map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
    for (const c of this.#connections) c.close();
    return closed.then(() => {});
  }

  /** `listenerPort`: the port of the listener the socket arrived on, told to the client as the broker's. */
  #accept(socket: Socket, listenerPort: () => number): void {
    const { limits, logger, handler } = this.#options;
    if (this.#connections.size >= limits.maxConnections) {
      this.#refuse(socket);
      return;
    }
    const connection = new Connection(
      socket,
      ++this.#nextId,
      handler,
      this.#connectionLimits,
      logger,
      listenerPort(),
    );
    this.#connections.add(connection);
    socket.on('close', () => this.#connections.delete(connection));
  }

  #refuse(socket: Socket): void {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.on('error', () => {});
    socket.destroy();
    this.#refused++;
    const now = performance.now();
    if (now - this.#lastRefusalLog < REFUSAL_LOG_INTERVAL_MS) return;
    this.#options.logger.warn(
      {
        remote,
        refused: this.#refused,
        maxConnections: this.#options.limits.maxConnections,
      },
      'refusing connection: maxConnections reached',
    );
    this.#refused = 0;
    this.#lastRefusalLog = now;
  }

  #sweep(): void {
    const now = performance.now();
    for (const c of this.#connections) c.sweep(now);
  }
}

const AES_128_GCM = 'TLS_AES_128_GCM_SHA256';

/**
 * The server's choice among the suites a client offers: Node's default list with TLS 1.3's AES-128-GCM
 * first. Clients (Node's, OpenSSL's, Java's) offer AES-256-GCM first; both are the AEAD suites TLS 1.3
 * requires, and on a CPU with AES instructions AES-128 encrypts about 1.5 times as fast, which is what a
 * broker sending fetch responses over TLS spends its time on (and the client decrypting them).
 */
function cipherPreference(defaults: string): { ciphers: string; honorCipherOrder: boolean } {
  const rest = defaults.split(':').filter((suite) => suite !== AES_128_GCM);
  return { ciphers: [AES_128_GCM, ...rest].join(':'), honorCipherOrder: true };
}
