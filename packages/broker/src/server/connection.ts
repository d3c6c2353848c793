// One client TCP connection: Kafka framing (int32 size prefix) and one order for its requests.
//
// The ordering rule, which idempotent producers with several requests in flight rely on (as Kafka keeps
// it): frames are read as they arrive, but a request starts applying its state changes (appends, offset
// commits, group operations, topic creation) only once the previous request of this connection has
// applied its own; the handler says so by calling `applied()` from its context, or by returning. What a
// request waits for afterwards (an acks=-1 flush, a Fetch long-poll after its first read, the end of a
// rebalance) overlaps the requests behind it, so a waiting Fetch never holds up a Heartbeat sent by
// another thread sharing the socket. Responses are written strictly in request order. Connections are
// independent of each other.
//
// A connection also answers to the broker's limits: the bytes of its partial frame count against a budget
// shared by all connections, and `sweep` closes it when a started frame takes too long to arrive or when
// it has been idle (nothing in flight, nothing received) for too long.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { returnLeases } from '../io/read-buffers.ts';
import { certificatePrincipal } from '../security/certificate-principal.ts';
import type { BudgetHolder, BufferBudget } from './buffer-budget.ts';
import { isClientError } from './client-error.ts';
import { FrameReader, FrameSizeError } from './frame-reader.ts';

/** An encoded response: one buffer, or pieces written in order without joining them (a fetch's data). */
export type ResponseFrame = Buffer | Buffer[];

export interface FrameHandler {
  /**
   * Handles one request frame (without its size prefix). Returns the encoded response frame, `null` when
   * the request gets no response (Produce with acks=0), or throws to have the connection closed.
   * `applied` may be called once the request's state changes are done (see the rule above); with
   * `frameDone` true it also says that nothing references the frame any more, so its memory may be reused.
   */
  handle(
    frame: Buffer,
    connection: ConnectionInfo,
    applied: (frameDone?: boolean) => void,
  ): ResponseFrame | null | Promise<ResponseFrame | null>;
}

export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  /** The client's IP address alone (what ACL host entries match). */
  readonly remoteHost: string;
  /** The port of the listener the client connected to (what Metadata tells it to use); unset: the broker's. */
  readonly listenerPort?: number;
  /** The client connected to a TLS listener (Fetch answers it with smaller responses: `tlsFetchMaxBytes`). */
  readonly tls: boolean;
  /** `User:<subject DN>` of a verified TLS client certificate, if the client presented one. */
  readonly certificatePrincipal?: string;
  readonly logger: Logger;
}

export interface ConnectionLimits {
  maxFrameBytes: number;
  /** Shared by every connection of the server. */
  budget: BufferBudget;
  /** 0: never close an idle connection. */
  idleTimeoutMs: number;
  /** 0: no limit on how long a started frame may take. */
  frameTimeoutMs: number;
}

interface Slot {
  frame: Buffer | undefined; // until the request starts
  response: ResponseFrame | null | undefined; // undefined while pending
}

// Requests read but not yet answered; beyond this the socket is paused (backpressure on the client).
const MAX_IN_FLIGHT = 256;

export class Connection implements BudgetHolder {
  readonly info: ConnectionInfo;
  readonly #socket: Socket;
  readonly #handler: FrameHandler;
  readonly #limits: ConnectionLimits;
  readonly #reader: FrameReader;
  /** Every request read and not yet answered, in arrival order. */
  #queue: Slot[] = [];
  /** Requests read but not started, in arrival order (a suffix of #queue). */
  #waiting: Slot[] = [];
  /** A request is applying its state changes; the next one waits. */
  #applying = false;
  #starting = false;
  #closed = false;
  #paused = false;
  #corked = false;
  /** When the last request arrived or the last response was written (performance.now()). */
  #lastActivity: number;
  /** When the first byte of the frame being received arrived; 0 when none is. */
  #frameStarted = 0;

  constructor(
    socket: Socket,
    id: number,
    handler: FrameHandler,
    limits: ConnectionLimits,
    logger: Logger,
    listenerPort?: number,
  ) {
    this.#socket = socket;
    this.#handler = handler;
    this.#limits = limits;
    this.#reader = new FrameReader(limits.maxFrameBytes, (delta) => limits.budget.change(delta));
    this.#lastActivity = performance.now();
    const remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.info = {
      id,
      remoteAddress,
      // An IPv4 client of a dual-stack listener shows as ::ffff:a.b.c.d; ACLs name it a.b.c.d.
      remoteHost: (socket.remoteAddress ?? '?').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''),
      listenerPort,
      // Only a TLS socket is `encrypted` (testing that keeps Node's TLS module out of a plaintext broker).
      tls: (socket as Partial<TLSSocket>).encrypted === true,
      certificatePrincipal: certificatePrincipal(socket),
      logger: logger.child({ connection: id, remote: remoteAddress }),
    };
    limits.budget.add(this);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#maybeResume());
    socket.on('error', (err) => this.info.logger.debug({ err }, 'socket error'));
    socket.on('close', () => this.#release());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes of requests received and not yet read out as frames (counted against the shared budget). */
  get held(): number {
    return this.#reader.held;
  }

  /** Closes the connection because of what the client sent; the broker itself keeps serving. */
  abort(reason: string, details: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.info.logger.warn({ ...details, reason }, 'closing connection after bad input');
    this.close();
  }

  close(): void {
    this.#release();
    this.#socket.destroy();
  }

  evict(total: number, limit: number): void {
    if (this.#closed) return;
    this.info.logger.warn(
      { held: this.held, bufferedBytes: total, maxBufferedBytes: limit },
      'closing the connection holding the largest partial request: partial requests over maxBufferedBytes',
    );
    this.close();
  }

  /** Applies the idle and frame timeouts; the server calls it periodically. */
  sweep(now: number): void {
    if (this.#closed) return;
    const { frameTimeoutMs, idleTimeoutMs } = this.#limits;
    if (frameTimeoutMs > 0 && this.#frameStarted > 0 && now - this.#frameStarted > frameTimeoutMs) {
      this.info.logger.warn(
        { held: this.held, frameTimeoutMs },
        'closing connection: a started request did not arrive whole within frameTimeoutMs',
      );
      this.close();
    } else if (
      idleTimeoutMs > 0 &&
      this.#queue.length === 0 &&
      this.held === 0 &&
      now - this.#lastActivity > idleTimeoutMs
    ) {
      this.info.logger.info({ idleTimeoutMs }, 'closing idle connection');
      this.close();
    }
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.release();
    this.#limits.budget.remove(this);
    this.#queue = [];
    this.#waiting = [];
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#reader.push(chunk); // may evict this very connection
    this.#drainFrames();
  }

  #drainFrames(): void {
    let took = false;
    while (!this.#closed && !this.#paused) {
      let frame: Buffer | undefined;
      try {
        frame = this.#reader.next();
      } catch (err) {
        if (!(err instanceof FrameSizeError)) throw err;
        this.abort(err.message, { size: err.size, maxFrameBytes: err.maxFrameBytes });
        return;
      }
      if (!frame) break;
      took = true;
      this.#enqueue(frame);
      if (this.#queue.length >= MAX_IN_FLIGHT || this.#socket.writableNeedDrain) this.#pause();
    }
    if (this.#closed) return;
    const now = performance.now();
    if (took) this.#lastActivity = now;
    // A paused connection holds whole frames we have not read yet: no frame of the client's is late.
    if (this.#paused || this.held === 0) this.#frameStarted = 0;
    else if (took || this.#frameStarted === 0) this.#frameStarted = now;
    this.#startWaiting();
  }

  #enqueue(frame: Buffer): void {
    const slot: Slot = { frame, response: undefined };
    this.#queue.push(slot);
    this.#waiting.push(slot);
  }

  /** Starts waiting requests one after another, as long as none is applying state changes. */
  #startWaiting(): void {
    if (this.#starting) return; // called back from a handler that said `applied()` synchronously
    this.#starting = true;
    while (!this.#applying && !this.#closed && this.#waiting.length > 0) this.#start(this.#waiting.shift()!);
    this.#starting = false;
  }

  #start(slot: Slot): void {
    const frame = slot.frame!;
    slot.frame = undefined;
    this.#applying = true;
    let released = false;
    const applied = (frameDone?: boolean) => {
      if (released) return;
      released = true;
      if (frameDone) this.#reader.recycle(frame);
      this.#applying = false;
      this.#startWaiting();
    };
    let result: ResponseFrame | null | Promise<ResponseFrame | null>;
    try {
      result = this.#handler.handle(frame, this.info, applied);
    } catch (err) {
      this.#fail(err);
      applied();
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (response) => {
          slot.response = response;
          this.#flush();
          applied();
        },
        (err: unknown) => {
          this.#fail(err);
          applied();
        },
      );
    } else {
      slot.response = result;
      this.#flush();
      applied();
    }
  }

  #fail(err: unknown): void {
    if (this.#closed) return;
    if (!isClientError(err)) {
      // A bug on our side must not look like the client's fault, but it still only costs this connection.
      this.info.logger.error({ err }, 'request failed; closing connection');
      this.close();
      return;
    }
    const e = err as { message: string; code: string };
    this.abort(e.message, { code: e.code });
  }

  #flush(): void {
    let wrote = false;
    while (this.#queue.length > 0 && this.#queue[0].response !== undefined) {
      const slot = this.#queue.shift()!;
      wrote = true;
      if (!slot.response || this.#closed) continue;
      this.#corkUntilTicksEnd();
      if (!Array.isArray(slot.response)) this.#socket.write(slot.response);
      else {
        // One writev for the pieces of a response: record data goes out without being joined.
        // Pooled read buffers among the pieces go back once the kernel has the bytes.
        const pieces = slot.response;
        this.#socket.cork();
        for (let i = 0; i < pieces.length - 1; i++) this.#socket.write(pieces[i]);
        this.#socket.write(pieces[pieces.length - 1], () => returnLeases(pieces));
        this.#socket.uncork();
      }
    }
    if (wrote) this.#lastActivity = performance.now();
    this.#maybeResume();
  }

  /**
   * Holds this tick's responses back until its promise callbacks have run, so that the answers one flush
   * round releases together (every acks=-1 produce waiting for it) leave in one writev, not one write
   * system call each.
   */
  #corkUntilTicksEnd(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.#socket.cork();
    process.nextTick(() => {
      this.#corked = false;
      this.#socket.uncork();
    });
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#socket.pause();
  }

  #maybeResume(): void {
    if (!this.#paused || this.#closed) return;
    if (this.#queue.length < MAX_IN_FLIGHT / 2 && !this.#socket.writableNeedDrain) {
      this.#paused = false;
      this.#socket.resume();
      this.#drainFrames();
    }
  }
}
