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
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { isClientError } from './client-error.ts';

export interface FrameHandler {
  /**
   * Handles one request frame (without its size prefix). Returns the encoded response frame, `null` when
   * the request gets no response (Produce with acks=0), or throws to have the connection closed.
   * `applied` may be called once the request's state changes are done (see the rule above).
   */
  handle(
    frame: Buffer,
    connection: ConnectionInfo,
    applied: () => void,
  ): Buffer | null | Promise<Buffer | null>;
}

export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly logger: Logger;
}

interface Slot {
  frame: Buffer | undefined; // until the request starts
  response: Buffer | null | undefined; // undefined while pending
}

// Requests read but not yet answered; beyond this the socket is paused (backpressure on the client).
const MAX_IN_FLIGHT = 256;

export class Connection {
  readonly info: ConnectionInfo;
  readonly #socket: Socket;
  readonly #handler: FrameHandler;
  readonly #maxFrameBytes: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Every request read and not yet answered, in arrival order. */
  #queue: Slot[] = [];
  /** Requests read but not started, in arrival order (a suffix of #queue). */
  #waiting: Slot[] = [];
  /** A request is applying its state changes; the next one waits. */
  #applying = false;
  #starting = false;
  #closed = false;
  #paused = false;

  constructor(socket: Socket, id: number, handler: FrameHandler, maxFrameBytes: number, logger: Logger) {
    this.#socket = socket;
    this.#handler = handler;
    this.#maxFrameBytes = maxFrameBytes;
    const remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.info = { id, remoteAddress, logger: logger.child({ connection: id, remote: remoteAddress }) };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#maybeResume());
    socket.on('error', (err) => this.info.logger.debug({ err }, 'socket error'));
    socket.on('close', () => {
      this.#closed = true;
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the connection because of what the client sent; the broker itself keeps serving. */
  abort(reason: string, details: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.info.logger.warn({ ...details, reason }, 'closing connection after bad input');
    this.#closed = true;
    this.#socket.destroy();
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#drainFrames();
  }

  #drainFrames(): void {
    while (!this.#closed && !this.#paused && this.#buffered >= 4) {
      const head = this.#peek(4);
      const size = head.readInt32BE(0);
      if (size < 8 || size > this.#maxFrameBytes) {
        this.abort(size < 8 ? 'frame too small' : 'frame over the maximum size', {
          size,
          maxFrameBytes: this.#maxFrameBytes,
        });
        return;
      }
      if (this.#buffered < 4 + size) return;
      this.#enqueue(this.#take(4 + size).subarray(4));
      if (this.#queue.length >= MAX_IN_FLIGHT || this.#socket.writableNeedDrain) this.#pause();
    }
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
    const applied = () => {
      if (released) return;
      released = true;
      this.#applying = false;
      this.#startWaiting();
    };
    let result: Buffer | null | Promise<Buffer | null>;
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
    while (this.#queue.length > 0 && this.#queue[0].response !== undefined) {
      const slot = this.#queue.shift()!;
      if (slot.response && !this.#closed) this.#socket.write(slot.response);
    }
    this.#maybeResume();
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

  #peek(n: number): Buffer {
    if (this.#chunks[0].length >= n) return this.#chunks[0];
    this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0];
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.#chunks);
      out = all.subarray(0, n);
      this.#chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.#buffered -= n;
    return out;
  }
}
