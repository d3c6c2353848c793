// Request and response framing: headers (v0/v1/v2 rules, KIP-482 and KIP-511) around compiled bodies.
import { compileDecoder, compileEncoder, type Decode, type Encode } from './codec.ts';
import { ProtocolError } from './protocol-error.ts';
import { Reader } from './reader.ts';
import type { ApiSchema } from './schema.ts';
import { apiSchemas, type RequestBodies, type ResponseBodies } from './schemas/index.ts';
import { Writer } from './writer.ts';

export const ApiKeys = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  DescribeAcls: 29,
  CreateAcls: 30,
  DeleteAcls: 31,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
  OffsetDelete: 47,
  DescribeUserScramCredentials: 50,
  AlterUserScramCredentials: 51,
  DescribeCluster: 60,
} as const;

export type ApiKey = (typeof ApiKeys)[keyof typeof ApiKeys];

export interface ApiDefinition {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  flexibleFrom: number | null;
}

export const apiDefinitions: ReadonlyMap<number, ApiDefinition> = new Map(
  [...apiSchemas.values()].map((s) => [
    s.apiKey,
    {
      apiKey: s.apiKey,
      name: s.name,
      minVersion: s.minVersion,
      maxVersion: s.maxVersion,
      flexibleFrom: s.flexibleFrom,
    },
  ]),
);

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

const API_VERSIONS = 18;

const cache = new Map<string, Decode | Encode>();

function schemaOf(apiKey: number): ApiSchema {
  const schema = apiSchemas.get(apiKey);
  if (!schema) throw new ProtocolError('UNKNOWN_API_KEY', `unknown API key ${apiKey}`);
  return schema;
}

function checkVersion(schema: ApiSchema, version: number): void {
  if (version < schema.minVersion || version > schema.maxVersion) {
    throw new ProtocolError(
      'UNSUPPORTED_VERSION',
      `${schema.name} v${version} is not supported (${schema.minVersion}-${schema.maxVersion})`,
    );
  }
}

function isFlexible(schema: ApiSchema, version: number): boolean {
  return schema.flexibleFrom !== null && version >= schema.flexibleFrom;
}

function compiled<T extends Decode | Encode>(
  kind: string,
  apiKey: number,
  version: number,
  build: (s: ApiSchema) => T,
): T {
  const id = `${kind}:${apiKey}:${version}`;
  let fn = cache.get(id) as T | undefined;
  if (!fn) {
    const schema = schemaOf(apiKey);
    checkVersion(schema, version);
    fn = build(schema);
    cache.set(id, fn);
  }
  return fn;
}

function skipTaggedFields(r: Reader): void {
  const count = r.uvarint();
  for (let i = 0; i < count; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

/**
 * Reads a request header from a frame (the bytes after the size prefix). An ApiVersions request of a
 * version we do not know still yields its header, so the broker can answer it (KIP-511).
 */
export function decodeRequestHeader(frame: Buffer): { header: RequestHeader; bodyOffset: number } {
  const r = new Reader(frame);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const schema = apiSchemas.get(apiKey);
  if (!schema) {
    const err = new ProtocolError('UNKNOWN_API_KEY', `unknown API key ${apiKey}`);
    err.correlationId = correlationId;
    throw err;
  }
  if (apiKey !== API_VERSIONS) {
    try {
      checkVersion(schema, apiVersion);
    } catch (err) {
      (err as ProtocolError).correlationId = correlationId;
      throw err;
    }
  }
  const clientId = r.string(false, true);
  // Newer ApiVersions versions than ours are flexible too (ApiVersions is flexible from v3 on).
  if (isFlexible(schema, apiVersion)) skipTaggedFields(r);
  return { header: { apiKey, apiVersion, correlationId, clientId }, bodyOffset: r.pos };
}

export function decodeRequestBody<K extends keyof RequestBodies>(
  apiKey: K,
  version: number,
  frame: Buffer,
  bodyOffset: number,
): RequestBodies[K] {
  const decode = compiled('dreq', apiKey, version, (s) =>
    compileDecoder(s.request, version, isFlexible(s, version)),
  );
  return (decode as Decode)(new Reader(frame, bodyOffset)) as unknown as RequestBodies[K];
}

function framed(write: (w: Writer) => void, sizeHint = 256): Buffer {
  const w = new Writer(sizeHint);
  w.int32(0);
  write(w);
  const out = w.toBuffer();
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

/** A whole response frame, size prefix included. ApiVersions responses always use header v0 (KIP-511). */
export function encodeResponse<K extends keyof ResponseBodies>(
  apiKey: K,
  version: number,
  correlationId: number,
  body: ResponseBodies[K],
): Buffer {
  const encode = compiled('eres', apiKey, version, (s) =>
    compileEncoder(s.response, version, isFlexible(s, version)),
  );
  const flexibleHeader = apiKey !== API_VERSIONS && isFlexible(schemaOf(apiKey), version);
  return framed((w) => {
    w.int32(correlationId);
    if (flexibleHeader) w.uvarint(0);
    (encode as Encode)(w, body as unknown as Record<string, unknown>);
  });
}

/**
 * A whole response frame as pieces to write in order: the first starts with the size prefix, and large
 * byte fields (a fetch's record batches) are the caller's buffers, not copies (writev-style output).
 */
export function encodeResponseChunks<K extends keyof ResponseBodies>(
  apiKey: K,
  version: number,
  correlationId: number,
  body: ResponseBodies[K],
): Buffer[] {
  const encode = compiled('eres', apiKey, version, (s) =>
    compileEncoder(s.response, version, isFlexible(s, version)),
  );
  const flexibleHeader = apiKey !== API_VERSIONS && isFlexible(schemaOf(apiKey), version);
  const w = new Writer(256);
  w.int32(0);
  w.int32(correlationId);
  if (flexibleHeader) w.uvarint(0);
  (encode as Encode)(w, body as unknown as Record<string, unknown>);
  const size = w.length - 4;
  const chunks = w.toChunks();
  chunks[0].writeInt32BE(size, 0);
  return chunks;
}

/** A whole request frame, size prefix included (request header v1, or v2 for flexible versions). */
export function encodeRequest<K extends keyof RequestBodies>(
  apiKey: K,
  version: number,
  header: { correlationId: number; clientId: string | null },
  body: RequestBodies[K],
): Buffer {
  const encode = compiled('ereq', apiKey, version, (s) =>
    compileEncoder(s.request, version, isFlexible(s, version)),
  );
  const flexible = isFlexible(schemaOf(apiKey), version);
  return framed((w) => {
    w.int16(apiKey);
    w.int16(version);
    w.int32(header.correlationId);
    w.string(header.clientId, false);
    if (flexible) w.uvarint(0);
    (encode as Encode)(w, body as unknown as Record<string, unknown>);
  });
}

/** Decodes a response frame (after the size prefix). */
export function decodeResponse<K extends keyof ResponseBodies>(
  apiKey: K,
  version: number,
  frame: Buffer,
): { correlationId: number; body: ResponseBodies[K] } {
  const decode = compiled('dres', apiKey, version, (s) =>
    compileDecoder(s.response, version, isFlexible(s, version)),
  );
  const r = new Reader(frame);
  const correlationId = r.int32();
  if (apiKey !== API_VERSIONS && isFlexible(schemaOf(apiKey), version)) skipTaggedFields(r);
  return { correlationId, body: (decode as Decode)(r) as unknown as ResponseBodies[K] };
}
