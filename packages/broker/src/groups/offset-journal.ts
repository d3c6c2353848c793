// The on-disk format of the committed-offsets journal.
//
// File:   MAGIC (8 bytes) then records.
// Record: payloadLength u32 BE | crc32c(payload) u32 BE | payload
// Payload, type 1 (offsets):     u8 1 | groupId str16 | topicCount u32 | topics...
//   topic:                       name str16 | partitionCount u32 | partitions...
//   partition:                   index i32 | offset i64 | leaderEpoch i32 | commitTimestamp i64 | metadata str32
// Payload, type 2 (topic gone):  u8 2 | topic str16
// Payload, type 3 (group gone):  u8 3 | groupId str16
// Payload, type 4 (offsets gone): u8 4 | groupId str16 | topicCount u32 | topics...
//   topic:                       name str16 | partitionCount u32 | index i32...
// str16/str32: byte length u16/u32 BE then UTF-8. All integers big-endian.
import { crc32c } from '@tributary/kafka-protocol';

export const JOURNAL_MAGIC = Buffer.from('TRBOFS\x00\x01', 'latin1');
export const RECORD_HEADER_BYTES = 8;

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  /** Kafka keeps '' for a commit without metadata. */
  metadata: string;
  /** Wall-clock milliseconds of the commit. */
  commitTimestamp: number;
}

export interface JournalPartition extends CommittedOffset {
  partition: number;
}

export type JournalRecord =
  | { type: 'offsets'; groupId: string; topics: { name: string; partitions: JournalPartition[] }[] }
  | { type: 'topic-deleted'; topic: string }
  | { type: 'group-deleted'; groupId: string }
  | { type: 'offsets-deleted'; groupId: string; topics: { name: string; partitions: number[] }[] };

const TYPE_OFFSETS = 1;
const TYPE_TOPIC_DELETED = 2;
const TYPE_GROUP_DELETED = 3;
const TYPE_OFFSETS_DELETED = 4;

/** A CRC-valid record that cannot be decoded: written by another format version, or a bug. */
export class OffsetJournalCorruptError extends Error {
  readonly code = 'OFFSET_JOURNAL_CORRUPT';

  constructor(message: string) {
    super(message);
    this.name = 'OffsetJournalCorruptError';
  }
}

function strBytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

export function encodeRecord(record: JournalRecord): Buffer {
  let size = 1;
  if (record.type === 'offsets') {
    size += 2 + strBytes(record.groupId) + 4;
    for (const t of record.topics) {
      size += 2 + strBytes(t.name) + 4;
      for (const p of t.partitions) size += 4 + 8 + 4 + 8 + 4 + strBytes(p.metadata);
    }
  } else if (record.type === 'offsets-deleted') {
    size += 2 + strBytes(record.groupId) + 4;
    for (const t of record.topics) size += 2 + strBytes(t.name) + 4 + 4 * t.partitions.length;
  } else if (record.type === 'group-deleted') {
    size += 2 + strBytes(record.groupId);
  } else {
    size += 2 + strBytes(record.topic);
  }
  const buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + size);
  let pos = RECORD_HEADER_BYTES;
  const str16 = (s: string) => {
    const n = buf.write(s, pos + 2, 'utf8');
    if (n > 0xffff) throw new RangeError(`name longer than 65535 bytes: ${s.slice(0, 40)}…`);
    buf.writeUInt16BE(n, pos);
    pos += 2 + n;
  };
  const u32 = (n: number) => {
    buf.writeUInt32BE(n, pos);
    pos += 4;
  };
  /** groupId, then topics each with its partitions written by `partition`. */
  const groupTopics = <P>(
    type: number,
    groupId: string,
    topics: { name: string; partitions: P[] }[],
    partition: (p: P) => void,
  ) => {
    buf.writeUInt8(type, pos++);
    str16(groupId);
    u32(topics.length);
    for (const t of topics) {
      str16(t.name);
      u32(t.partitions.length);
      for (const p of t.partitions) partition(p);
    }
  };
  if (record.type === 'offsets') {
    groupTopics(TYPE_OFFSETS, record.groupId, record.topics, (p) => {
      buf.writeInt32BE(p.partition, pos);
      buf.writeBigInt64BE(BigInt(p.offset), pos + 4);
      buf.writeInt32BE(p.leaderEpoch, pos + 12);
      buf.writeBigInt64BE(BigInt(Math.trunc(p.commitTimestamp)), pos + 16);
      const n = buf.write(p.metadata, pos + 28, 'utf8');
      buf.writeUInt32BE(n, pos + 24);
      pos += 28 + n;
    });
  } else if (record.type === 'offsets-deleted') {
    groupTopics(TYPE_OFFSETS_DELETED, record.groupId, record.topics, (p) => {
      buf.writeInt32BE(p, pos);
      pos += 4;
    });
  } else if (record.type === 'group-deleted') {
    buf.writeUInt8(TYPE_GROUP_DELETED, pos++);
    str16(record.groupId);
  } else {
    buf.writeUInt8(TYPE_TOPIC_DELETED, pos++);
    str16(record.topic);
  }
  buf.writeUInt32BE(size, 0);
  buf.writeUInt32BE(crc32c(buf, RECORD_HEADER_BYTES, buf.length), 4);
  return buf;
}

function decodePayload(buf: Buffer, start: number, end: number): JournalRecord {
  let pos = start;
  const need = (n: number) => {
    if (pos + n > end) throw new OffsetJournalCorruptError(`record at byte ${start} ends early`);
  };
  const str = (lengthBytes: 2 | 4) => {
    need(lengthBytes);
    const n = lengthBytes === 2 ? buf.readUInt16BE(pos) : buf.readUInt32BE(pos);
    pos += lengthBytes;
    need(n);
    const s = buf.toString('utf8', pos, pos + n);
    pos += n;
    return s;
  };
  const u32 = () => {
    need(4);
    pos += 4;
    return buf.readUInt32BE(pos - 4);
  };
  /** groupId, then topics each with a list of what `partition` reads. */
  const groupTopics = <P>(partition: () => P) => {
    const groupId = str(2);
    const topics: { name: string; partitions: P[] }[] = [];
    for (let t = u32(); t > 0; t--) {
      const name = str(2);
      const partitions: P[] = [];
      for (let p = u32(); p > 0; p--) partitions.push(partition());
      topics.push({ name, partitions });
    }
    return { groupId, topics };
  };
  need(1);
  const type = buf.readUInt8(pos++);
  let record: JournalRecord;
  if (type === TYPE_OFFSETS) {
    const offsets = groupTopics((): JournalPartition => {
      need(24);
      const partition = buf.readInt32BE(pos);
      const offset = Number(buf.readBigInt64BE(pos + 4));
      const leaderEpoch = buf.readInt32BE(pos + 12);
      const commitTimestamp = Number(buf.readBigInt64BE(pos + 16));
      pos += 24;
      return { partition, offset, leaderEpoch, commitTimestamp, metadata: str(4) };
    });
    record = { type: 'offsets', ...offsets };
  } else if (type === TYPE_TOPIC_DELETED) {
    record = { type: 'topic-deleted', topic: str(2) };
  } else if (type === TYPE_GROUP_DELETED) {
    record = { type: 'group-deleted', groupId: str(2) };
  } else if (type === TYPE_OFFSETS_DELETED) {
    const deleted = groupTopics(() => {
      need(4);
      pos += 4;
      return buf.readInt32BE(pos - 4);
    });
    record = { type: 'offsets-deleted', ...deleted };
  } else {
    throw new OffsetJournalCorruptError(`record at byte ${start} has unknown type ${type}`);
  }
  if (pos !== end)
    throw new OffsetJournalCorruptError(`record at byte ${start} has ${end - pos} trailing bytes`);
  return record;
}

export interface JournalScan {
  records: JournalRecord[];
  /** Bytes up to the end of the last intact record: what remains after a torn tail is cut. */
  validBytes: number;
}

/**
 * Reads the records after the magic. Reading stops at the first record that is incomplete or fails its
 * CRC: a write the process did not finish (crash, kill -9). Nothing after it was acknowledged, since
 * every commit is answered only after its record and all earlier ones were synced.
 */
export function scanJournal(file: Buffer): JournalScan {
  if (file.length < JOURNAL_MAGIC.length || !file.subarray(0, JOURNAL_MAGIC.length).equals(JOURNAL_MAGIC)) {
    throw new OffsetJournalCorruptError('not an offsets journal (bad magic)');
  }
  const records: JournalRecord[] = [];
  let pos = JOURNAL_MAGIC.length;
  while (file.length - pos >= RECORD_HEADER_BYTES) {
    const size = file.readUInt32BE(pos);
    const start = pos + RECORD_HEADER_BYTES;
    if (size === 0 || size > file.length - start) break;
    if (crc32c(file, start, start + size) !== file.readUInt32BE(pos + 4)) break;
    records.push(decodePayload(file, start, start + size));
    pos = start + size;
  }
  return { records, validBytes: pos };
}
