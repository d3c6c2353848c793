// Idempotent producer state of one partition (KIP-98): the last five batches of each producer, so a
// retried batch is acknowledged with its original offset and a gap in sequence numbers is refused.
// A producer id the partition has never seen must start at sequence 0, as before KIP-360: Kafka since then
// accepts any sequence there, to survive producer state lost to retention, but it also accepts a batch
// whose predecessors never arrived (a reordered request) and stores a log with a hole in it. Here the
// producer gets OUT_OF_ORDER_SEQUENCE_NUMBER (a client may then bump its epoch, KIP-360, and start at 0).
// The per-producer entry is where transaction state (ongoing txn first offset) will live.

export const KEEP_BATCHES = 5;

export interface ProducerBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  epoch: number;
  batches: ProducerBatch[];
}

export type SequenceCheck =
  | { kind: 'ok' }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'error'; errorCode: number; message: string };

const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const INVALID_PRODUCER_EPOCH = 47;
const MAX_SEQ = 2 ** 31 - 1;

function nextSeq(seq: number, count: number): number {
  const n = seq + count;
  return n > MAX_SEQ ? n - MAX_SEQ - 1 : n;
}

export class ProducerStateTable {
  readonly producers = new Map<number, ProducerEntry>();

  check(producerId: number, epoch: number, firstSeq: number, recordCount: number): SequenceCheck {
    const entry = this.producers.get(producerId);
    if (!entry) {
      return firstSeq === 0
        ? { kind: 'ok' }
        : {
            kind: 'error',
            errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER,
            message: `producer ${producerId} is unknown to this partition and must start at sequence 0, got ${firstSeq}`,
          };
    }
    if (epoch < entry.epoch) {
      return {
        kind: 'error',
        errorCode: INVALID_PRODUCER_EPOCH,
        message: `producer ${producerId} epoch ${epoch} is older than ${entry.epoch}`,
      };
    }
    if (epoch > entry.epoch) {
      return firstSeq === 0
        ? { kind: 'ok' }
        : {
            kind: 'error',
            errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER,
            message: `new epoch ${epoch} must start at sequence 0, got ${firstSeq}`,
          };
    }
    const lastSeq = nextSeq(firstSeq, recordCount - 1);
    for (const b of entry.batches) {
      if (b.firstSeq === firstSeq && b.lastSeq === lastSeq)
        return { kind: 'duplicate', baseOffset: b.baseOffset };
    }
    const last = entry.batches.at(-1);
    if (last && firstSeq !== nextSeq(last.lastSeq, 1)) {
      return {
        kind: 'error',
        errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${producerId} expected sequence ${nextSeq(last.lastSeq, 1)}, got ${firstSeq}`,
      };
    }
    return { kind: 'ok' };
  }

  record(producerId: number, epoch: number, firstSeq: number, recordCount: number, baseOffset: number): void {
    let entry = this.producers.get(producerId);
    if (!entry || entry.epoch !== epoch) {
      entry = { epoch, batches: [] };
      this.producers.set(producerId, entry);
    }
    entry.batches.push({
      firstSeq,
      lastSeq: nextSeq(firstSeq, recordCount - 1),
      baseOffset,
      lastOffset: baseOffset + recordCount - 1,
    });
    if (entry.batches.length > KEEP_BATCHES) entry.batches.shift();
  }

  toJSON(): [number, ProducerEntry][] {
    return [...this.producers];
  }

  static fromJSON(data: unknown): ProducerStateTable {
    const table = new ProducerStateTable();
    if (Array.isArray(data)) {
      for (const item of data) {
        if (Array.isArray(item) && typeof item[0] === 'number' && item[1] && typeof item[1] === 'object') {
          table.producers.set(item[0], item[1] as ProducerEntry);
        }
      }
    }
    return table;
  }
}
