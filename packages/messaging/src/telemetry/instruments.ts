// Metrics of the messaging library through the OpenTelemetry metrics API. Instruments are made from the
// meter provider registered when they are first needed (a process registers its SDK at start, before it
// builds publishers and runners) and made again if the provider changes. Attributes stay bounded: topics,
// groups, event types and error codes, never keys or ids.
import { type Counter, type Histogram, type Meter, type MeterProvider, metrics } from '@opentelemetry/api';
import { TalliedCounter } from './tallied-counter.ts';
import { TalliedHistogram } from './tallied-histogram.ts';

/** Seconds buckets for message operations: sub-millisecond sends to multi-second handlers. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MessagingInstruments {
  meter: Meter;
  sent: Counter;
  /** Counted per message in process and read when the SDK collects (see TalliedCounter). */
  consumed: TalliedCounter;
  operationDuration: Histogram;
  /** Counted per message in process (see TalliedHistogram). */
  processDuration: TalliedHistogram;
  retries: Counter;
  deadLetters: Counter;
  redrives: Counter;
  inboxDuplicates: Counter;
}

let made: { provider: MeterProvider; instruments: MessagingInstruments } | undefined;

function make(meter: Meter): MessagingInstruments {
  return {
    meter,
    sent: meter.createCounter('messaging.client.sent.messages', {
      description: 'Messages the producer sent (or tried to: error.type is set on failures)',
      unit: '{message}',
    }),
    consumed: new TalliedCounter(meter, 'messaging.client.consumed.messages', {
      description: 'Messages the consumer runner received and handled, by outcome',
      unit: '{message}',
    }),
    operationDuration: meter.createHistogram('messaging.client.operation.duration', {
      description: 'Duration of a send until the broker acknowledged it',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    processDuration: new TalliedHistogram(meter, 'messaging.process.duration', {
      description: 'Duration of processing one message: validation, handler and routing of failures',
      unit: 's',
      boundaries: DURATION_BUCKETS,
    }),
    retries: meter.createCounter('tributary.messaging.retries', {
      description: 'Messages moved to the retry topic (or parked behind an earlier failure of their key)',
      unit: '{message}',
    }),
    deadLetters: meter.createCounter('tributary.messaging.dead_letters', {
      description: 'Messages moved to the dead-letter topic',
      unit: '{message}',
    }),
    redrives: meter.createCounter('tributary.messaging.redrives', {
      description: 'Dead letters moved back to their topic',
      unit: '{message}',
    }),
    inboxDuplicates: meter.createCounter('tributary.messaging.inbox.duplicates', {
      description: 'Messages the inbox had already handled and skipped',
      unit: '{message}',
    }),
  };
}

export function instruments(): MessagingInstruments {
  const provider = metrics.getMeterProvider();
  if (made === undefined || made.provider !== provider) {
    made = { provider, instruments: make(provider.getMeter('@tributary/messaging')) };
  }
  return made.instruments;
}
