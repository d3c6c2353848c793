// A minimal Kafka client for tests that need to send exact requests and read exact responses.
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import {
  decodeResponse,
  encodeRequest,
  type RequestBodies,
  type ResponseBodies,
} from '@tributary/kafka-protocol';

export class RawClient {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiters: ((frame: Buffer | null) => void)[] = [];
  #closed = false;
  #correlationId = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 4) {
        const size = this.#buffer.readInt32BE(0);
        if (this.#buffer.length < 4 + size) break;
        const frame = this.#buffer.subarray(4, 4 + size);
        this.#buffer = this.#buffer.subarray(4 + size);
        this.#waiters.shift()?.(frame);
      }
    });
    socket.on('close', () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w(null);
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Over TLS, trusting `ca`. */
  static connectTls(port: number, ca: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ port, host: '127.0.0.1', ca }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves with the next response frame (without size prefix), or null when the broker closed. */
  nextFrame(): Promise<Buffer | null> {
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  writeRaw(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  async request<K extends keyof RequestBodies & keyof ResponseBodies>(
    apiKey: K,
    version: number,
    body: RequestBodies[K],
  ): Promise<ResponseBodies[K]> {
    const correlationId = ++this.#correlationId;
    const reply = this.nextFrame();
    this.#socket.write(encodeRequest(apiKey, version, { correlationId, clientId: 'raw-test' }, body));
    const frame = await reply;
    if (!frame) throw new Error('connection closed by the broker');
    const decoded = decodeResponse(apiKey, version, frame);
    if (decoded.correlationId !== correlationId) throw new Error('correlation id mismatch');
    return decoded.body;
  }

  /** Waits until the broker closes this connection (or fails after `ms`). */
  waitClosed(ms = 5000): Promise<boolean> {
    if (this.#closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.#socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}
