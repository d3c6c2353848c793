// What each contract test gets: a fresh transport, its own topic and group, a test event, a publisher,
// runners that are cleaned up afterwards, gates and deadline-bound waits.
import { randomUUID } from 'node:crypto';
import { type Logger, pino } from 'pino';
import { type Static, Type } from 'typebox';
import type { Clock } from '../clock.ts';
import { ConsumerRunner, type ConsumerRunnerOptions } from '../consumer/consumer-runner.ts';
import { defineEvent } from '../contracts/define-event.ts';
import { createEventRegistry } from '../contracts/event-registry.ts';
import type { CreateEventOptions } from '../envelope/cloud-event.ts';
import type { CommitOffset, Transport } from '../ports/transport.ts';
import { EventPublisher } from '../producer/event-publisher.ts';
import { ManualClock } from './manual-clock.ts';

export type TransportFactory = (context: { clock: Clock }) => Transport | Promise<Transport>;

export const ItemChangedSchema = Type.Object({
  itemId: Type.String({ minLength: 1 }),
  seq: Type.Integer({ minimum: 0 }),
  note: Type.Optional(Type.String()),
});
export type ItemChanged = Static<typeof ItemChangedSchema>;

export function itemChangedEvent(topic: string) {
  return defineEvent({
    type: 'contract.item.changed',
    version: 1,
    topic,
    key: 'itemId',
    schema: ItemChangedSchema,
    description: 'test event of the transport contract suite',
  });
}

export interface Gate {
  promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Polls `condition` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export class ContractFixture {
  readonly transport: Transport;
  readonly clock: ManualClock;
  readonly topic: string;
  readonly group: string;
  readonly event: ReturnType<typeof itemChangedEvent>;
  readonly registry;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  readonly #runners: ConsumerRunner[] = [];
  readonly #gates: Gate[] = [];

  private constructor(transport: Transport, clock: ManualClock, suffix: string, logger: Logger) {
    this.transport = transport;
    this.clock = clock;
    this.topic = `items-${suffix}`;
    this.group = `group-${suffix}`;
    this.event = itemChangedEvent(this.topic);
    this.registry = createEventRegistry([this.event]);
    this.logger = logger;
    this.publisher = new EventPublisher({
      transport,
      source: '/contract-suite',
      registry: this.registry,
      logger: this.logger,
    });
  }

  static async create(
    factory: TransportFactory,
    logger: Logger = pino({ level: 'silent' }),
  ): Promise<ContractFixture> {
    const clock = new ManualClock();
    const transport = await factory({ clock });
    const fixture = new ContractFixture(transport, clock, randomUUID().slice(0, 8), logger);
    await transport.ensureTopics([{ topic: fixture.topic, partitions: 3 }]);
    return fixture;
  }

  publish(itemId: string, seq: number, options: CreateEventOptions = {}) {
    return this.publisher.publishEvent(this.event, { itemId, seq }, options);
  }

  runner(options: Partial<ConsumerRunnerOptions> = {}): ConsumerRunner {
    const runner = new ConsumerRunner({
      transport: this.transport,
      group: this.group,
      registry: this.registry,
      clock: this.clock,
      logger: this.logger,
      concurrency: 4,
      retry: { inPlace: { attempts: 2, initialDelayMs: 1, maxDelayMs: 5 }, delaysMs: [1_000, 2_000] },
      ...options,
    });
    this.#runners.push(runner);
    return runner;
  }

  gate(): Gate {
    const g = gate();
    this.#gates.push(g);
    return g;
  }

  /** Tracks the highest committed offset per partition of `topic`. */
  trackCommits(runner: ConsumerRunner): (partition: number) => bigint {
    const committed = new Map<number, bigint>();
    runner.on('committed', (offsets: CommitOffset[]) => {
      for (const o of offsets) {
        if (o.topic !== this.topic) continue;
        if ((committed.get(o.partition) ?? -1n) < o.offset) committed.set(o.partition, o.offset);
      }
    });
    return (partition) => committed.get(partition) ?? 0n;
  }

  async cleanup(): Promise<void> {
    for (const g of this.#gates) g.open();
    for (const runner of this.#runners) {
      if (runner.state === 'running') await runner.stop();
    }
    await this.publisher.close();
    await this.transport.close();
  }
}
