// A deterministic simulation of the broker's storage on a simulated disk. One seed drives one random
// schedule of produces (idempotent or not, acks 0/1/-1, several partitions, several batches per request),
// segment rolls, retention, topic creation and deletion, partition additions, topic config changes,
// DeleteRecords, offset commits and their deletion (DeleteGroups, OffsetDelete), reads, clean restarts, process crashes, power cuts and disk faults;
// after every restart the invariants a Kafka broker promises are
// checked against a model of what clients were told. A failure names its seed, and the same seed replays
// the same schedule exactly (every choice comes from sources seeded by it; nothing reads a clock).
import { decodeRecordBatches, encodeRecordBatch } from '@tributary/kafka-protocol';
import { pino } from 'pino';
import { OffsetStore } from '../../src/groups/offset-store.ts';
import { SimulatedDisk, seededRandom } from '../../src/io/simulated-disk.ts';
import { type FlushPolicy, LogManager } from '../../src/log/index.ts';
import { deleteRecordsBefore } from '../../src/log/log-start-offset.ts';

export class InvariantViolation extends Error {
  readonly seed: number;
  readonly step: number;
  constructor(seed: number, step: number, message: string) {
    super(`seed ${seed}, step ${step}: ${message}`);
    this.name = 'InvariantViolation';
    this.seed = seed;
    this.step = step;
  }
}

export interface SimulationReport {
  seed: number;
  steps: number;
  policy: FlushPolicy['mode'];
  produced: number;
  acknowledged: number;
  restarts: number;
  crashes: number;
  powerCuts: number;
  failedSyncs: number;
  failedWrites: number;
  offline: number;
  commits: number;
  /** Acknowledged DeleteGroups and OffsetDelete. */
  offsetDeletions: number;
}

interface TopicModel {
  partitions: number;
  createAcked: boolean;
  deleteIssued: boolean;
  deleteAcked: boolean;
  /** The largest partition count a CreatePartitions was acknowledged for. */
  partitionsAcked: number;
  /** retention.bytes overrides: the last acknowledged (null: none), and those sent after it. */
  retentionAcked: string | null;
  retentionSent: string[];
}

interface PartitionModel {
  /** Records an acks=-1 produce was acknowledged for: they must survive anything. */
  acked: Map<number, string>;
  /** Records a reader was given: the offset must never hold anything else. */
  seen: Map<number, string>;
  /** The largest log start offset a DeleteRecords was acknowledged for. */
  startAcked: number;
}

interface SentBatch {
  values: string[];
  seq: number;
}

interface ProducerModel {
  id: number;
  epoch: number;
  /** Next sequence per partition key, and the last batch sent there. */
  next: Map<string, number>;
  last: Map<string, SentBatch>;
}

const GROUPS = ['g1', 'g2'];
/** A committed offset's value in the model once the offset is deleted. */
const DELETED = -1;

export async function simulate(
  seed: number,
  steps = 250,
  trace: (line: string) => void = () => {},
): Promise<SimulationReport> {
  const logger = pino({ level: 'warn' }, { write: (line: string) => trace(`log: ${line.trim()}`) });
  const random = seededRandom(seed);
  const chance = (p: number) => random() < p;
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const disk = new SimulatedDisk(random);
  const policy: FlushPolicy = chance(0.7) ? { mode: 'interval', intervalMs: 20 } : { mode: 'every-append' };
  const segmentBytes = 300 + int(3000);
  // Small enough that rolled segments' indexes are evicted and read back from their files.
  const indexCacheBytes = int(4) * 64;
  const report: SimulationReport = {
    seed,
    steps,
    policy: policy.mode,
    produced: 0,
    acknowledged: 0,
    restarts: 0,
    crashes: 0,
    powerCuts: 0,
    failedSyncs: 0,
    failedWrites: 0,
    offline: 0,
    commits: 0,
    offsetDeletions: 0,
  };
  let step = 0;
  const fail = (message: string): never => {
    throw new InvariantViolation(seed, step, message);
  };

  const topics = new Map<string, TopicModel>();
  const partitions = new Map<string, PartitionModel>();
  const producers: ProducerModel[] = [];
  const producerIds = new Set<number>();
  /** Committed offsets: the newest acknowledged, and every value sent after it (DELETED: deleted). */
  const commits = new Map<string, { acked: number | null; sent: number[] }>();
  // Whether a step that commits deletes instead comes from a stream of its own, so that the other steps
  // draw the same numbers as they did before deletions were simulated.
  const deletionRandom = seededRandom(seed ^ 0x5eed);
  let counter = 0;
  let clock = 1_000_000;

  let logs!: LogManager;
  let offsets!: OffsetStore;
  const open = async () => {
    disk.setFaults({});
    const fs = disk.mount();
    logs = await LogManager.open({
      dataDir: '/data/topics',
      fs,
      timers: false,
      flush: policy,
      segmentBytes,
      indexIntervalBytes: 200,
      maxOpenFiles: 16,
      indexCacheBytes,
      logger,
    });
    offsets = await OffsetStore.open({ dir: '/data/groups', fs, logger, compactMinBytes: 2048 });
  };

  const model = (topic: string, partition: number): PartitionModel => {
    const key = `${topic}-${partition}`;
    let m = partitions.get(key);
    if (!m) {
      m = { acked: new Map(), seen: new Map(), startAcked: 0 };
      partitions.set(key, m);
    }
    return m;
  };

  const liveTopics = () => [...topics].filter(([name, t]) => !t.deleteIssued && logs.getTopic(name));

  const valuesAt = (batches: Buffer): [number, string][] =>
    decodeRecordBatches(batches).flatMap((b) =>
      b.records.map(
        (r) => [Number(b.header.baseOffset) + r.offsetDelta, r.value!.toString()] as [number, string],
      ),
    );

  const observe = (topic: string, partition: number, records: [number, string][], hw: number) => {
    const m = model(topic, partition);
    for (const [offset, value] of records) {
      if (offset >= hw)
        fail(
          `${topic}-${partition}: a reader was given offset ${offset} at or above the high watermark ${hw}`,
        );
      const before = m.seen.get(offset) ?? m.acked.get(offset);
      if (before !== undefined && before !== value)
        fail(`${topic}-${partition}: offset ${offset} held '${before}' and now holds '${value}'`);
      m.seen.set(offset, value);
    }
  };

  const newProducer = async () => {
    const { producerId, epoch } = await logs.producerIds.allocate();
    if (producerIds.has(producerId)) fail(`producer id ${producerId} was handed out twice`);
    producerIds.add(producerId);
    producers.push({ id: producerId, epoch, next: new Map(), last: new Map() });
  };

  const produce = () => {
    const live = liveTopics();
    if (live.length === 0) return;
    const [topic, t] = pick(live);
    const partition = int(t.partitions);
    const log = logs.partition(topic, partition);
    if (!log) return;
    const key = `${topic}-${partition}`;
    const acks = pick([0, 1, -1, -1] as const);
    const producer = producers.length > 0 && chance(0.5) ? pick(producers) : undefined;
    const batches: SentBatch[] = [];
    const count = producer ? 1 : 1 + (chance(0.25) ? 1 : 0);
    for (let b = 0; b < count; b++) {
      const values = Array.from({ length: 1 + int(3) }, () => `v${++counter}`.padEnd(8 + int(120), '.'));
      batches.push({ values, seq: producer ? (producer.next.get(key) ?? 0) : -1 });
    }
    const retry = producer?.last.get(key);
    const sending = producer && retry && chance(0.15) ? [retry] : batches;
    const payload = Buffer.concat(
      sending.map((b) =>
        encodeRecordBatch({
          baseTimestamp: BigInt(clock),
          producerId: producer ? BigInt(producer.id) : -1n,
          producerEpoch: producer ? producer.epoch : -1,
          baseSequence: b.seq,
          records: b.values.map((v) => ({ key: null, value: Buffer.from(v) })),
        }),
      ),
    );
    const wasOffline = log.offline !== null;
    const result = log.appendBatches(payload);
    report.produced++;
    trace(
      `produce ${key} acks=${acks} ${producer ? `pid=${producer.id} seq=${sending[0].seq}` : ''} ${sending
        .flatMap((b) => b.values)
        .map((v) => v.replace(/\.+$/, ''))
        .join(
          ',',
        )} -> err=${result.errorCode} base=${result.baseOffset} dup=${result.duplicate} leo=${log.logEndOffset}`,
    );
    if (wasOffline && result.errorCode !== 56)
      fail(`${key} is offline but an append got error ${result.errorCode} instead of KAFKA_STORAGE_ERROR`);
    if (result.errorCode !== 0) return;
    if (producer && sending === batches) {
      producer.next.set(key, batches[0].seq + batches[0].values.length);
      producer.last.set(key, batches[0]);
    }
    if (acks !== -1) return;
    const values = sending.flatMap((b) => b.values);
    const base = result.baseOffset;
    result.durable.then(
      () => {
        trace(`acked ${key} ${base}..${base + values.length - 1}`);
        const m = model(topic, partition);
        values.forEach((v, i) => {
          const before = m.acked.get(base + i);
          if (before !== undefined && before !== v)
            fail(`${key}: offset ${base + i} acknowledged for '${before}' and for '${v}'`);
          m.acked.set(base + i, v);
        });
        report.acknowledged += values.length;
      },
      () => {},
    );
  };

  const read = () => {
    const live = liveTopics();
    if (live.length === 0) return;
    const [topic, t] = pick(live);
    const partition = int(t.partitions);
    const log = logs.partition(topic, partition);
    if (!log || log.offline) return;
    const hw = log.highWatermark;
    const from = log.logStartOffset + int(hw - log.logStartOffset + 1);
    observe(topic, partition, valuesAt(log.read(from, 1 + int(4000))), hw);
  };

  const createTopic = () => {
    const name = `t${++counter}`;
    const configs: Record<string, string> = chance(0.3) ? { 'retention.bytes': String(600 + int(2000)) } : {};
    const model: TopicModel = {
      partitions: 1 + int(3),
      createAcked: false,
      deleteIssued: false,
      deleteAcked: false,
      partitionsAcked: 0,
      retentionAcked: configs['retention.bytes'] ?? null,
      retentionSent: [],
    };
    topics.set(name, model);
    logs.createTopic(name, model.partitions, configs).then(
      () => {
        model.createAcked = true;
      },
      () => {},
    );
  };

  const deleteTopic = () => {
    const candidates = [...topics].filter(
      ([name, t]) => t.createAcked && !t.deleteIssued && logs.getTopic(name),
    );
    if (candidates.length === 0) return;
    const [name, t] = pick(candidates);
    t.deleteIssued = true;
    logs.deleteTopic(name).then(
      () => {
        t.deleteAcked = true;
      },
      () => {},
    );
  };

  /** The admin operations whose state the log persists: CreatePartitions, AlterConfigs, DeleteRecords. */
  const admin = () => {
    const live = liveTopics().filter(([, t]) => t.createAcked);
    if (live.length === 0) return;
    const [topic, t] = pick(live);
    const kind = pick(['partitions', 'configs', 'records'] as const);
    if (kind === 'partitions') {
      const total = (logs.getTopic(topic)?.partitions ?? t.partitions) + 1 + int(2);
      trace(`add partitions ${topic} -> ${total}`);
      logs.addPartitions(topic, total).then(
        () => {
          t.partitions = Math.max(t.partitions, total);
          t.partitionsAcked = Math.max(t.partitionsAcked, total);
        },
        () => {},
      );
    } else if (kind === 'configs') {
      const value = chance(0.3) ? null : String(600 + int(4000));
      const sent = value ?? '';
      t.retentionSent.push(sent);
      trace(`alter configs ${topic} retention.bytes=${value}`);
      logs.setTopicConfigs(topic, value === null ? {} : { 'retention.bytes': value }).then(
        () => {
          t.retentionAcked = value;
          t.retentionSent = t.retentionSent.slice(t.retentionSent.lastIndexOf(sent) + 1);
        },
        () => {},
      );
    } else {
      const partition = int(t.partitions);
      const log = logs.partition(topic, partition);
      if (!log || log.offline) return;
      const offset = log.logStartOffset + int(log.highWatermark - log.logStartOffset + 1);
      trace(`delete records ${topic}-${partition} before ${offset}`);
      deleteRecordsBefore(logs.fs, log, offset).then(
        (start) => {
          trace(`delete records acked ${topic}-${partition} start=${start}`);
          if (start < offset)
            fail(`${topic}-${partition}: DeleteRecords before ${offset} answered start ${start}`);
          // The promise is the offset asked for: the start retention reached may go back after a power cut.
          const m = model(topic, partition);
          m.startAcked = Math.max(m.startAcked, offset);
        },
        () => {},
      );
    }
  };

  const commit = () => {
    const live = liveTopics();
    if (live.length === 0) return;
    const [topic, t] = pick(live);
    const partition = int(t.partitions);
    const group = pick(GROUPS);
    const key = `${group}/${topic}/${partition}`;
    const offset = int(1000);
    const kind = deletionRandom();
    const entryOf = (k: string) => {
      let c = commits.get(k);
      if (!c) {
        c = { acked: null, sent: [] };
        commits.set(k, c);
      }
      return c;
    };
    const acknowledge = (c: { acked: number | null; sent: number[] }, value: number) => {
      c.acked = value;
      c.sent = c.sent.slice(c.sent.lastIndexOf(value) + 1);
    };
    if (kind < 0.06) {
      // DeleteGroups: every offset of the group goes.
      const entries = [...commits].filter(([k]) => k.startsWith(`${group}/`)).map(([, c]) => c);
      for (const c of entries) c.sent.push(DELETED);
      trace(`delete group ${group}`);
      offsets.deleteGroup(group).then(
        () => {
          trace(`delete group acked ${group}`);
          for (const c of entries) acknowledge(c, DELETED);
          report.offsetDeletions++;
        },
        () => {},
      );
      return;
    }
    const entry = entryOf(key);
    if (kind < 0.12) {
      // OffsetDelete of one partition.
      entry.sent.push(DELETED);
      trace(`delete offset ${key}`);
      offsets.deleteOffsets(group, [{ name: topic, partitions: [partition] }]).then(
        () => {
          trace(`delete offset acked ${key}`);
          acknowledge(entry, DELETED);
          report.offsetDeletions++;
        },
        () => {},
      );
      return;
    }
    entry.sent.push(offset);
    trace(`commit ${key} ${offset}`);
    offsets
      .commit(group, [{ topic, partition, offset, leaderEpoch: -1, metadata: '', commitTimestamp: clock }])
      .then(
        () => {
          trace(`commit acked ${key} ${offset}`);
          acknowledge(entry, offset);
          report.commits++;
        },
        () => {},
      );
  };

  /** After a restart: what clients were promised is there, nothing they saw is gone or changed. */
  const verify = async () => {
    for (const [name, t] of topics) {
      const exists = logs.getTopic(name) !== undefined;
      if (t.createAcked && !t.deleteIssued && !exists) fail(`topic ${name} was created, then lost`);
      if (t.deleteAcked && exists) fail(`topic ${name} was deleted, then came back`);
      if (exists) {
        const info = logs.getTopic(name)!;
        if (info.partitions < t.partitionsAcked)
          fail(`topic ${name} was grown to ${t.partitionsAcked} partitions, has ${info.partitions}`);
        const retention = info.configs['retention.bytes'] ?? null;
        if (retention !== t.retentionAcked && !t.retentionSent.includes(retention ?? ''))
          fail(`topic ${name}: retention.bytes acknowledged as ${t.retentionAcked}, found ${retention}`);
        t.retentionAcked = retention;
        t.retentionSent = [];
        // A creation or deletion cut short may go either way; the model follows what the broker says.
        t.deleteIssued = false;
        t.partitions = info.partitions;
      }
    }
    for (const [name, t] of topics) {
      if (!logs.getTopic(name)) continue;
      for (let p = 0; p < t.partitions; p++) {
        const log = logs.partition(name, p)!;
        const m = model(name, p);
        if (log.offline) fail(`${name}-${p} is offline right after a restart`);
        if (log.logStartOffset < m.startAcked)
          fail(
            `${name}-${p}: records were deleted before ${m.startAcked}, the log now starts at ${log.logStartOffset}`,
          );
        if (log.highWatermark !== log.logEndOffset)
          fail(
            `${name}-${p}: high watermark ${log.highWatermark} below log end ${log.logEndOffset} after recovery`,
          );
        const stored = new Map<number, string>();
        let offset = log.logStartOffset;
        while (offset < log.logEndOffset) {
          const records = valuesAt(log.read(offset, 1 << 20));
          if (records.length === 0)
            fail(`${name}-${p}: nothing readable at offset ${offset} below the log end`);
          for (const [o, v] of records) stored.set(o, v);
          offset = records[records.length - 1][0] + 1;
        }
        trace(
          `stored ${name}-${p} from ${log.logStartOffset}: ${[...stored].map(([o, v]) => `${o}=${v.replace(/\.+$/, '')}`).join(' ')}`,
        );
        const counts = new Map<string, number>();
        for (const v of stored.values()) counts.set(v, (counts.get(v) ?? 0) + 1);
        for (const [o, v] of m.acked) {
          if (o < log.logStartOffset) continue;
          if (stored.get(o) !== v)
            fail(
              `${name}-${p}: acknowledged record '${v}' at offset ${o} is ${stored.has(o) ? `now '${stored.get(o)}'` : 'gone'}`,
            );
          if ((counts.get(v) ?? 0) > 1) fail(`${name}-${p}: acknowledged record '${v}' is stored twice`);
        }
        for (const [o, v] of m.seen) {
          if (o < log.logStartOffset) continue;
          if (o >= log.logEndOffset)
            fail(`${name}-${p}: a reader saw offset ${o}, but only ${log.logEndOffset} offsets survived`);
          if (stored.get(o) !== v)
            fail(`${name}-${p}: offset ${o} was read as '${v}', now holds '${stored.get(o)}'`);
        }
        observe(name, p, [...stored], log.highWatermark);
      }
    }
    // Idempotence agrees with the log: a retry of a producer's last batch is a duplicate exactly when that
    // batch is stored, with the offset it is stored at.
    const abandoned = new Set<ProducerModel>();
    for (const producer of producers) {
      for (const [key, sent] of producer.last) {
        const dash = key.lastIndexOf('-');
        const topic = key.slice(0, dash);
        const partition = Number(key.slice(dash + 1));
        const log = logs.partition(topic, partition);
        if (!log) continue;
        const m = model(topic, partition);
        let storedAt: number | undefined;
        for (const [o, v] of m.seen) if (v === sent.values[0] && o >= log.logStartOffset) storedAt = o;
        const result = log.appendBatches(
          encodeRecordBatch({
            baseTimestamp: BigInt(clock),
            producerId: BigInt(producer.id),
            producerEpoch: producer.epoch,
            baseSequence: sent.seq,
            records: sent.values.map((v) => ({ key: null, value: Buffer.from(v) })),
          }),
        );
        if (
          storedAt !== undefined &&
          !(result.errorCode === 0 && result.duplicate && result.baseOffset === storedAt)
        )
          fail(
            `${key}: a retry of stored batch at ${storedAt} was answered error ${result.errorCode}, duplicate ${result.duplicate}, offset ${result.baseOffset}`,
          );
        // Below the log start, retention took the batch but its producer state rightly remains.
        if (storedAt === undefined && result.duplicate && result.baseOffset >= log.logStartOffset)
          fail(
            `${key}: a retry of a batch that is not in the log was acknowledged as a duplicate at ${result.baseOffset}`,
          );
        // Earlier batches were lost too (a sequence gap): a real client starts over with a new producer.
        if (storedAt === undefined && result.errorCode !== 0) abandoned.add(producer);
        else producer.next.set(key, sent.seq + sent.values.length);
      }
    }
    for (const producer of abandoned) producers.splice(producers.indexOf(producer), 1);
    if (producers.length === 0) await newProducer();
    await logs.flushScheduler.flushNow();
    for (const [key, c] of commits) {
      const [group, topic, partition] = key.split('/');
      const got = offsets.get(group, topic, Number(partition))?.offset;
      const now = got ?? DELETED;
      if (c.acked !== null && now !== c.acked && !c.sent.includes(now))
        fail(
          `committed offset ${key}: acknowledged ${c.acked === DELETED ? 'its deletion' : c.acked}, found ${got ?? 'nothing'}`,
        );
      if (got !== undefined || c.acked !== null) c.acked = now;
      c.sent = [];
    }
  };

  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

  await open();
  for (let i = 0; i < 2; i++) createTopic();
  await logs.flushScheduler.flushNow();
  for (let i = 0; i < 3; i++) await tick();
  await newProducer();

  let faultSteps = 0;
  for (step = 1; step <= steps; step++) {
    clock += int(50);
    if (faultSteps > 0 && --faultSteps === 0) disk.setFaults({});
    const roll = random();
    if (roll < 0.35) produce();
    else if (roll < 0.45) read();
    else if (roll < 0.55) void logs.flushScheduler.flushNow();
    else if (roll < 0.6) commit();
    else if (roll < 0.62) createTopic();
    else if (roll < 0.635) deleteTopic();
    else if (roll < 0.65) trace(`retention deleted ${logs.applyRetention(clock)}`);
    else if (roll < 0.66) await newProducer().catch(() => {});
    else if (roll < 0.68) {
      faultSteps = 1 + int(10);
      trace(`faults for ${faultSteps} steps`);
      disk.setFaults({
        syncFailure: chance(0.5) ? 0.3 : 0,
        writeFailure: chance(0.5) ? 0.2 : 0,
        shortWrite: chance(0.5) ? 0.3 : 0,
      });
    } else if (roll < 0.735) {
      trace(roll < 0.7 ? 'RESTART' : roll < 0.72 ? 'CRASH' : 'POWER CUT');
      if (roll < 0.7) {
        disk.setFaults({});
        await logs.close();
        await offsets.close();
        report.restarts++;
      } else if (roll < 0.72) {
        disk.crash();
        report.crashes++;
      } else {
        disk.powerCut();
        report.powerCuts++;
      }
      faultSteps = 0;
      await open();
      await verify();
    } else if (roll < 0.76) {
      admin();
    } else {
      for (let n = int(4); n >= 0; n--) await tick();
    }
    for (const [name] of topics) {
      const info = logs.getTopic(name);
      if (!info) continue;
      for (let p = 0; p < info.partitions; p++) if (logs.partition(name, p)?.offline) report.offline++;
    }
  }
  disk.powerCut();
  report.powerCuts++;
  await open();
  await verify();
  await logs.close();
  await offsets.close();
  report.failedSyncs = disk.stats.failedSyncs;
  report.failedWrites = disk.stats.failedWrites;
  return report;
}
