// A publisher for relay tests: records what it is given, can fail or hold messages on demand.
import type { OutboxPublisher, OutboxRawMessage } from '../../src/outbox/outbox-publisher.ts';

export interface PublishCall {
  message: OutboxRawMessage;
  at: number;
  ok: boolean;
}

export class RecordingPublisher implements OutboxPublisher {
  /** Messages the publisher acknowledged, in order. */
  readonly published: OutboxRawMessage[] = [];
  /** Every call, failed ones included. */
  readonly calls: PublishCall[] = [];
  /** Throw for a message when this returns an error message. */
  failWith: (message: OutboxRawMessage, call: number) => string | undefined = () => undefined;
  /** Delay before acknowledging (simulated broker latency). */
  latencyMs: (message: OutboxRawMessage) => number = () => 0;
  /** While set, a matching publish waits until `release()`. */
  #hold: ((message: OutboxRawMessage) => boolean) | undefined;
  #released: Promise<void> = Promise.resolve();
  #release: () => void = () => {};
  #listeners: Array<() => void> = [];

  hold(matches: (message: OutboxRawMessage) => boolean): void {
    this.#hold = matches;
    this.#released = new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  release(): void {
    this.#hold = undefined;
    this.#release();
  }

  async publishRaw(message: OutboxRawMessage): Promise<void> {
    const call = this.calls.filter((earlier) => earlier.message.key === message.key).length;
    const entry: PublishCall = { message, at: Date.now(), ok: false };
    this.calls.push(entry);
    this.#notify();
    if (this.#hold?.(message)) await this.#released;
    const latency = this.latencyMs(message);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const failure = this.failWith(message, call);
    if (failure !== undefined) throw new Error(failure);
    entry.ok = true;
    this.published.push(message);
    this.#notify();
  }

  /** Resolves once `condition` holds, checked after every publish call. */
  until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners = this.#listeners.filter((listener) => listener !== check);
        reject(new Error(`publisher condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.#listeners = this.#listeners.filter((listener) => listener !== check);
        resolve();
      };
      this.#listeners.push(check);
    });
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

export function payloadOf(message: OutboxRawMessage): Record<string, unknown> {
  return JSON.parse(message.value.toString('utf8')) as Record<string, unknown>;
}
