// Kafka wire protocol: primitives, one schema per API, request/response codecs, record batch v2.
export { type Decode, defaultValue, type Encode } from './codec.ts';
export { crc32c } from './crc32c.ts';
export {
  type ApiDefinition,
  type ApiKey,
  ApiKeys,
  apiDefinitions,
  decodeRequestBody,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  encodeResponseChunks,
  type RequestHeader,
} from './messages.ts';
export { ProtocolError, type ProtocolErrorCode } from './protocol-error.ts';
export { Reader } from './reader.ts';
export {
  computeRecordBatchCrc,
  decodeRecordBatches,
  encodeRecordBatch,
  isRecordBatchCrcValid,
  type KafkaRecord,
  RECORD_BATCH_HEADER_SIZE,
  RecordBatchAttributes,
  type RecordBatchHeader,
  type RecordBatchInput,
  type RecordHeader,
  readRecordBatchHeader,
} from './record-batch.ts';
export type { ApiSchema, FieldSchema, FieldType } from './schema.ts';
export * from './schemas/index.ts';
export { Writer } from './writer.ts';
