// Record batch v2 (magic 2): the unit producers send and the broker stores as-is.
import { crc32c } from './crc32c.ts';
import { ProtocolError } from './protocol-error.ts';
import { Reader } from './reader.ts';
import { Writer } from './writer.ts';

export const RECORD_BATCH_HEADER_SIZE = 61;
/** Bytes before the CRC-covered region: baseOffset, batchLength, partitionLeaderEpoch, magic, crc. */
const CRC_START = 21;

export const RecordBatchAttributes = {
  compressionMask: 0x07,
  timestampTypeLogAppend: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

export interface RecordBatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface KafkaRecord {
  attributes: number;
  timestampDelta: bigint;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface RecordBatchInput {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  attributes?: number;
  baseTimestamp?: bigint;
  maxTimestamp?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  records: Array<{
    timestampDelta?: bigint;
    offsetDelta?: number;
    key: Buffer | null;
    value: Buffer | null;
    headers?: RecordHeader[];
  }>;
}

export function readRecordBatchHeader(buf: Buffer, offset = 0): RecordBatchHeader {
  if (buf.length - offset < RECORD_BATCH_HEADER_SIZE) {
    throw new ProtocolError('TRUNCATED', `record batch header needs 61 bytes, ${buf.length - offset} left`);
  }
  const magic = buf.readInt8(offset + 16);
  if (magic !== 2)
    throw new ProtocolError('INVALID_RECORD_BATCH', `record batch magic ${magic}, only 2 is supported`);
  return {
    baseOffset: buf.readBigInt64BE(offset),
    batchLength: buf.readInt32BE(offset + 8),
    partitionLeaderEpoch: buf.readInt32BE(offset + 12),
    magic,
    crc: buf.readUInt32BE(offset + 17),
    attributes: buf.readInt16BE(offset + 21),
    lastOffsetDelta: buf.readInt32BE(offset + 23),
    baseTimestamp: buf.readBigInt64BE(offset + 27),
    maxTimestamp: buf.readBigInt64BE(offset + 35),
    producerId: buf.readBigInt64BE(offset + 43),
    producerEpoch: buf.readInt16BE(offset + 51),
    baseSequence: buf.readInt32BE(offset + 53),
    recordsCount: buf.readInt32BE(offset + 57),
  };
}

/** CRC-32C over attributes..end of the batch starting at `offset` (its batchLength says where it ends). */
export function computeRecordBatchCrc(buf: Buffer, offset = 0): number {
  const end = offset + 12 + buf.readInt32BE(offset + 8);
  if (end > buf.length) throw new ProtocolError('TRUNCATED', 'record batch longer than the buffer');
  return crc32c(buf, offset + CRC_START, end);
}

export function isRecordBatchCrcValid(buf: Buffer, offset = 0): boolean {
  return computeRecordBatchCrc(buf, offset) === buf.readUInt32BE(offset + 17);
}

export function encodeRecordBatch(input: RecordBatchInput): Buffer {
  const body = new Writer(256);
  let lastOffsetDelta = 0;
  input.records.forEach((rec, i) => {
    const offsetDelta = rec.offsetDelta ?? i;
    lastOffsetDelta = Math.max(lastOffsetDelta, offsetDelta);
    const r = new Writer(64);
    r.int8(0);
    r.varlong(rec.timestampDelta ?? 0n);
    r.varint(offsetDelta);
    if (rec.key === null) r.varint(-1);
    else {
      r.varint(rec.key.length);
      r.raw(rec.key);
    }
    if (rec.value === null) r.varint(-1);
    else {
      r.varint(rec.value.length);
      r.raw(rec.value);
    }
    const headers = rec.headers ?? [];
    r.varint(headers.length);
    for (const h of headers) {
      const k = Buffer.from(h.key, 'utf8');
      r.varint(k.length);
      r.raw(k);
      if (h.value === null) r.varint(-1);
      else {
        r.varint(h.value.length);
        r.raw(h.value);
      }
    }
    const bytes = r.toBuffer();
    body.varint(bytes.length);
    body.raw(bytes);
  });
  const records = body.toBuffer();
  const out = Buffer.alloc(RECORD_BATCH_HEADER_SIZE + records.length);
  const baseTimestamp = input.baseTimestamp ?? 0n;
  out.writeBigInt64BE(input.baseOffset ?? 0n, 0);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt32BE(input.partitionLeaderEpoch ?? -1, 12);
  out.writeInt8(2, 16);
  out.writeInt16BE(input.attributes ?? 0, 21);
  out.writeInt32BE(lastOffsetDelta, 23);
  out.writeBigInt64BE(baseTimestamp, 27);
  out.writeBigInt64BE(input.maxTimestamp ?? baseTimestamp, 35);
  out.writeBigInt64BE(input.producerId ?? -1n, 43);
  out.writeInt16BE(input.producerEpoch ?? -1, 51);
  out.writeInt32BE(input.baseSequence ?? -1, 53);
  out.writeInt32BE(input.records.length, 57);
  records.copy(out, RECORD_BATCH_HEADER_SIZE);
  out.writeUInt32BE(crc32c(out, CRC_START, out.length), 17);
  return out;
}

function readRecord(r: Reader): KafkaRecord {
  const length = r.varint();
  if (length < 0 || length > r.remaining)
    throw new ProtocolError('INVALID_LENGTH', `record length ${length}`);
  const end = r.pos + length;
  const attributes = r.int8();
  const timestampDelta = r.varlong();
  const offsetDelta = r.varint();
  const sized = (): Buffer | null => {
    const n = r.varint();
    if (n < -1 || n > end - r.pos) throw new ProtocolError('INVALID_LENGTH', `record field length ${n}`);
    if (n === -1) return null;
    const at = r.pos;
    r.skip(n);
    return r.buf.subarray(at, at + n);
  };
  const key = sized();
  const value = sized();
  const count = r.varint();
  if (count < 0 || count > end - r.pos) throw new ProtocolError('INVALID_LENGTH', `header count ${count}`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < count; i++) {
    const k = sized();
    if (k === null) throw new ProtocolError('INVALID_VALUE', 'null header key');
    headers.push({ key: k.toString('utf8'), value: sized() });
  }
  if (r.pos !== end) throw new ProtocolError('INVALID_LENGTH', 'record length does not match its fields');
  return { attributes, timestampDelta, offsetDelta, key, value, headers };
}

/**
 * Decodes concatenated uncompressed batches. A trailing partial batch (as a Fetch response may end with)
 * is ignored; a compressed batch is refused.
 */
export function decodeRecordBatches(
  buf: Buffer,
): Array<{ header: RecordBatchHeader; records: KafkaRecord[] }> {
  const out: Array<{ header: RecordBatchHeader; records: KafkaRecord[] }> = [];
  let offset = 0;
  while (buf.length - offset >= RECORD_BATCH_HEADER_SIZE) {
    const header = readRecordBatchHeader(buf, offset);
    const end = offset + 12 + header.batchLength;
    if (header.batchLength < RECORD_BATCH_HEADER_SIZE - 12) {
      throw new ProtocolError('INVALID_LENGTH', `batch length ${header.batchLength}`);
    }
    if (end > buf.length) break;
    if ((header.attributes & RecordBatchAttributes.compressionMask) !== 0) {
      throw new ProtocolError('COMPRESSED', 'compressed record batches are not decoded');
    }
    const r = new Reader(buf, offset + RECORD_BATCH_HEADER_SIZE, end);
    const records: KafkaRecord[] = [];
    for (let i = 0; i < header.recordsCount; i++) records.push(readRecord(r));
    out.push({ header, records });
    offset = end;
  }
  return out;
}
