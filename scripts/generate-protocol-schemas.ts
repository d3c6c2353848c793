// Generates packages/kafka-protocol/src/schemas/*.ts from the Apache Kafka message definitions (JSON).
// Run: node scripts/generate-protocol-schemas.ts [definitionsDir]. The output is committed; the project
// never needs the definitions to install, run or test.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const definitions = process.argv[2] ?? join(root, '..', 'shared', 'kafka-protocol', 'message');
const outDir = join(root, 'packages', 'kafka-protocol', 'src', 'schemas');

// The APIs and versions Tributary speaks.
const APIS: { key: number; name: string; min: number; max: number }[] = [
  { key: 0, name: 'Produce', min: 3, max: 11 },
  { key: 1, name: 'Fetch', min: 4, max: 12 },
  { key: 2, name: 'ListOffsets', min: 1, max: 7 },
  { key: 3, name: 'Metadata', min: 0, max: 12 },
  { key: 8, name: 'OffsetCommit', min: 0, max: 9 },
  { key: 9, name: 'OffsetFetch', min: 1, max: 7 },
  { key: 10, name: 'FindCoordinator', min: 0, max: 3 },
  { key: 11, name: 'JoinGroup', min: 0, max: 9 },
  { key: 12, name: 'Heartbeat', min: 0, max: 4 },
  { key: 13, name: 'LeaveGroup', min: 0, max: 5 },
  { key: 14, name: 'SyncGroup', min: 0, max: 5 },
  { key: 15, name: 'DescribeGroups', min: 0, max: 5 },
  { key: 16, name: 'ListGroups', min: 0, max: 4 },
  // v0 is followed by raw SASL bytes outside Kafka framing; clients since 1.0 use v1 + SaslAuthenticate.
  { key: 17, name: 'SaslHandshake', min: 0, max: 1 },
  { key: 18, name: 'ApiVersions', min: 0, max: 3 },
  { key: 19, name: 'CreateTopics', min: 0, max: 7 },
  { key: 20, name: 'DeleteTopics', min: 0, max: 5 },
  { key: 21, name: 'DeleteRecords', min: 0, max: 2 },
  { key: 22, name: 'InitProducerId', min: 0, max: 4 },
  // v4+ are broker-to-broker (KIP-890); clients send 0-3.
  { key: 24, name: 'AddPartitionsToTxn', min: 0, max: 3 },
  // v0 has no pattern type (literal only); clients since 2.0 send v1+.
  { key: 29, name: 'DescribeAcls', min: 0, max: 3 },
  { key: 30, name: 'CreateAcls', min: 0, max: 3 },
  { key: 31, name: 'DeleteAcls', min: 0, max: 3 },
  { key: 32, name: 'DescribeConfigs', min: 0, max: 4 },
  { key: 33, name: 'AlterConfigs', min: 0, max: 2 },
  { key: 35, name: 'DescribeLogDirs', min: 0, max: 4 },
  { key: 36, name: 'SaslAuthenticate', min: 0, max: 2 },
  { key: 37, name: 'CreatePartitions', min: 0, max: 3 },
  { key: 42, name: 'DeleteGroups', min: 0, max: 2 },
  { key: 44, name: 'IncrementalAlterConfigs', min: 0, max: 1 },
  { key: 47, name: 'OffsetDelete', min: 0, max: 0 },
  { key: 50, name: 'DescribeUserScramCredentials', min: 0, max: 0 },
  { key: 51, name: 'AlterUserScramCredentials', min: 0, max: 0 },
  { key: 60, name: 'DescribeCluster', min: 0, max: 1 },
];

interface JsonField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  fields?: JsonField[];
}

interface JsonMessage {
  apiKey: number;
  type: string;
  validVersions: string;
  flexibleVersions: string;
  fields: JsonField[];
  commonStructs?: { name: string; fields: JsonField[] }[];
}

type Range = [number, number] | null;

function parseRange(spec: string | undefined, min: number, max: number): Range {
  if (spec === undefined || spec === 'none') return null;
  let lo: number;
  let hi: number;
  if (spec.endsWith('+')) {
    lo = Number(spec.slice(0, -1));
    hi = 32767;
  } else if (spec.includes('-')) {
    [lo, hi] = spec.split('-').map(Number) as [number, number];
  } else {
    lo = hi = Number(spec);
  }
  lo = Math.max(lo, min);
  hi = Math.min(hi, max);
  return lo > hi ? null : [lo, hi];
}

function readMessage(file: string): JsonMessage {
  const text = readFileSync(join(definitions, file), 'utf8')
    .split('\n')
    .filter((l) => !l.trim().startsWith('//'))
    .join('\n');
  return JSON.parse(text) as JsonMessage;
}

const PRIMITIVES = new Set([
  'int8',
  'int16',
  'int32',
  'int64',
  'uint16',
  'uint32',
  'float64',
  'bool',
  'string',
  'bytes',
  'records',
  'uuid',
]);

interface OutField {
  name: string;
  type: string;
  array: boolean;
  versions: [number, number];
  nullable?: [number, number];
  tag?: number;
  tagged?: [number, number];
  default?: string;
  fields?: OutField[];
}

function convert(
  fields: JsonField[],
  common: Map<string, JsonField[]>,
  min: number,
  max: number,
): OutField[] {
  const out: OutField[] = [];
  for (const f of fields) {
    const versions = parseRange(f.versions, min, max);
    if (!versions) continue;
    const array = f.type.startsWith('[]');
    const base = array ? f.type.slice(2) : f.type;
    const field: OutField = {
      name: f.name[0].toLowerCase() + f.name.slice(1),
      type: PRIMITIVES.has(base) ? base : 'struct',
      array,
      versions,
    };
    const nullable = parseRange(f.nullableVersions, versions[0], versions[1]);
    if (nullable) field.nullable = nullable;
    const tagged = parseRange(f.taggedVersions, versions[0], versions[1]);
    if (tagged && f.tag !== undefined) {
      field.tag = f.tag;
      field.tagged = tagged;
    }
    if (f.default !== undefined) field.default = String(f.default);
    if (field.type === 'struct') {
      const sub = f.fields ?? common.get(base);
      if (!sub) throw new Error(`unknown struct ${base}`);
      field.fields = convert(sub, common, min, max);
    }
    out.push(field);
  }
  return out;
}

const TS_TYPES: Record<string, string> = {
  int8: 'number',
  int16: 'number',
  int32: 'number',
  uint16: 'number',
  uint32: 'number',
  float64: 'number',
  int64: 'bigint',
  bool: 'boolean',
  string: 'string',
  bytes: 'Buffer',
  records: 'Buffer',
  uuid: 'string',
};

function tsType(f: OutField, indent: string): string {
  let t = f.type === 'struct' ? tsObject(f.fields ?? [], `${indent}  `) : TS_TYPES[f.type];
  if (f.array) t = f.type === 'struct' ? `Array<${t}>` : `${t}[]`;
  if (f.nullable || (f.type === 'records' && !f.array)) t += ' | null';
  return t;
}

function tsObject(fields: OutField[], indent: string): string {
  if (fields.length === 0) return 'Record<string, never>';
  // Tagged fields may be left out: encoders then omit them and decoders fill in their defaults.
  const lines = fields.map(
    (f) => `${indent}  ${f.name}${f.tag === undefined ? '' : '?'}: ${tsType(f, indent)};`,
  );
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function schemaLiteral(fields: OutField[]): string {
  return JSON.stringify(fields);
}

function fileName(key: number, name: string): string {
  const kebab = name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return `${String(key).padStart(2, '0')}-${kebab}.ts`;
}

if (!existsSync(definitions)) {
  console.log(`generate-protocol-schemas: ${definitions} not found; keeping the committed schemas.`);
  process.exit(0);
}

const HEADER =
  '// Generated by scripts/generate-protocol-schemas.ts from the Apache Kafka message definitions; do not edit.';
const imports: string[] = [];
for (const api of APIS) {
  const req = readMessage(`${api.name}Request.json`);
  const res = readMessage(`${api.name}Response.json`);
  if (req.apiKey !== api.key) throw new Error(`${api.name}: api key ${req.apiKey} != ${api.key}`);
  const valid = parseRange(req.validVersions, 0, 32767)!;
  if (valid[0] > api.min || valid[1] < api.max)
    throw new Error(`${api.name}: ${api.min}-${api.max} not in ${req.validVersions}`);
  const flexible = parseRange(req.flexibleVersions, 0, 32767);
  const commonOf = (m: JsonMessage) => new Map((m.commonStructs ?? []).map((s) => [s.name, s.fields]));
  const request = convert(req.fields, commonOf(req), api.min, api.max);
  const response = convert(res.fields, commonOf(res), api.min, api.max);
  const file = fileName(api.key, api.name);
  const ident = api.name[0].toLowerCase() + api.name.slice(1);
  const text = [
    HEADER,
    `// ${api.name} (API key ${api.key}), versions ${api.min}-${api.max}; flexible from ${flexible ? flexible[0] : 'never'}.`,
    "import type { ApiSchema } from '../schema.ts';",
    '',
    `export const ${ident}Schema: ApiSchema = {`,
    `  apiKey: ${api.key},`,
    `  name: '${api.name}',`,
    `  minVersion: ${api.min},`,
    `  maxVersion: ${api.max},`,
    `  flexibleFrom: ${flexible ? flexible[0] : 'null'},`,
    `  request: ${schemaLiteral(request)},`,
    `  response: ${schemaLiteral(response)},`,
    '};',
    '',
    `export interface ${api.name}Request ${tsObject(request, '')}`,
    '',
    `export interface ${api.name}Response ${tsObject(response, '')}`,
    '',
  ].join('\n');
  writeFileSync(join(outDir, file), text);
  imports.push(`import { ${ident}Schema } from './${file}';`);
}

const index = [
  HEADER,
  "import type { ApiSchema } from '../schema.ts';",
  ...imports,
  ...APIS.map(
    (a) => `import type { ${a.name}Request, ${a.name}Response } from './${fileName(a.key, a.name)}';`,
  ),
  '',
  ...APIS.map(
    (a) => `export type { ${a.name}Request, ${a.name}Response } from './${fileName(a.key, a.name)}';`,
  ),
  '',
  'export const apiSchemas: ReadonlyMap<number, ApiSchema> = new Map([',
  ...APIS.map((a) => `  [${a.key}, ${a.name[0].toLowerCase() + a.name.slice(1)}Schema],`),
  ']);',
  '',
  'export interface RequestBodies {',
  ...APIS.map((a) => `  ${a.key}: ${a.name}Request;`),
  '}',
  '',
  'export interface ResponseBodies {',
  ...APIS.map((a) => `  ${a.key}: ${a.name}Response;`),
  '}',
  '',
].join('\n');
writeFileSync(join(outDir, 'index.ts'), index);
spawnSync(join(root, 'node_modules', '.bin', 'biome'), ['check', '--write', outDir], { stdio: 'ignore' });
console.log(`generate-protocol-schemas: wrote ${APIS.length} schema files to ${outDir}`);
