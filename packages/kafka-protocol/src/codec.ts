// Compiles an API schema into a decoder and an encoder per (version, direction), once, then reuses them.
import { ProtocolError } from './protocol-error.ts';
import { Reader } from './reader.ts';
import { type FieldSchema, inRange } from './schema.ts';
import { Writer } from './writer.ts';

type Obj = Record<string, unknown>;
export type Decode = (r: Reader) => Obj;
export type Encode = (w: Writer, value: Obj) => void;

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** The value a field takes when absent from a version (or from the tagged section). */
export function defaultValue(f: FieldSchema): unknown {
  if (f.array) return f.default === 'null' ? null : [];
  const d = f.default;
  switch (f.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint16':
    case 'uint32':
    case 'float64':
      return d === undefined ? 0 : Number(d);
    case 'int64':
      return d === undefined ? 0n : BigInt(d);
    case 'bool':
      return d === 'true';
    case 'string':
      return d === 'null' ? null : (d ?? '');
    case 'bytes':
      return d === 'null' ? null : Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return ZERO_UUID;
    default:
      return d === 'null' ? null : defaultsOf(f.fields ?? []);
  }
}

function defaultsOf(fields: FieldSchema[]): Obj {
  const out: Obj = {};
  for (const f of fields) out[f.name] = defaultValue(f);
  return out;
}

function readOne(f: FieldSchema, version: number, flexible: boolean): (r: Reader) => unknown {
  const nullable = inRange(f.nullable, version);
  switch (f.type) {
    case 'int8':
      return (r) => r.int8();
    case 'int16':
      return (r) => r.int16();
    case 'int32':
      return (r) => r.int32();
    case 'int64':
      return (r) => r.int64();
    case 'uint16':
      return (r) => r.uint16();
    case 'uint32':
      return (r) => r.uint32();
    case 'float64':
      return (r) => r.float64();
    case 'bool':
      return (r) => r.bool();
    case 'uuid':
      return (r) => r.uuid();
    case 'string':
      return (r) => r.string(flexible, nullable);
    case 'bytes':
    case 'records':
      return (r) => r.bytes(flexible, nullable || f.type === 'records');
    default: {
      const inner = compileDecoder(f.fields ?? [], version, flexible);
      if (!nullable || f.array) return inner;
      return (r) => (r.int8() < 0 ? null : inner(r));
    }
  }
}

function writeOne(f: FieldSchema, version: number, flexible: boolean): (w: Writer, v: unknown) => void {
  const nullable = inRange(f.nullable, version) || f.type === 'records';
  const check = (v: unknown, ok: boolean) => {
    if (!ok) throw new ProtocolError('INVALID_VALUE', `field ${f.name}: unexpected value ${String(v)}`);
  };
  switch (f.type) {
    case 'int8':
      return (w, v) => w.int8(v as number);
    case 'int16':
      return (w, v) => w.int16(v as number);
    case 'int32':
      return (w, v) => w.int32(v as number);
    case 'int64':
      return (w, v) => w.int64(v as bigint);
    case 'uint16':
      return (w, v) => w.uint16(v as number);
    case 'uint32':
      return (w, v) => w.uint32(v as number);
    case 'float64':
      return (w, v) => w.float64(v as number);
    case 'bool':
      return (w, v) => w.bool(v as boolean);
    case 'uuid':
      return (w, v) => w.uuid(v as string);
    case 'string':
      return (w, v) => {
        check(v, typeof v === 'string' || (v === null && nullable));
        w.string(v as string | null, flexible);
      };
    case 'bytes':
    case 'records':
      return (w, v) => {
        check(v, v instanceof Uint8Array || (v === null && nullable));
        w.bytes(v as Uint8Array | null, flexible);
      };
    default: {
      const inner = compileEncoder(f.fields ?? [], version, flexible);
      if (f.array || !inRange(f.nullable, version)) return (w, v) => inner(w, v as Obj);
      return (w, v) => {
        if (v === null) w.int8(-1);
        else {
          w.int8(1);
          inner(w, v as Obj);
        }
      };
    }
  }
}

function arrayReader(f: FieldSchema, one: (r: Reader) => unknown, version: number, flexible: boolean) {
  const nullable = inRange(f.nullable, version);
  return (r: Reader): unknown => {
    const n = r.arrayLength(flexible, nullable);
    if (n < 0) return null;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = one(r);
    return out;
  };
}

function arrayWriter(
  f: FieldSchema,
  one: (w: Writer, v: unknown) => void,
  version: number,
  flexible: boolean,
) {
  const nullable = inRange(f.nullable, version);
  return (w: Writer, v: unknown): void => {
    if (v === null || v === undefined) {
      if (!nullable) throw new ProtocolError('INVALID_VALUE', `field ${f.name} may not be null`);
      w.arrayLength(null, flexible);
      return;
    }
    const items = v as unknown[];
    w.arrayLength(items.length, flexible);
    for (const item of items) one(w, item);
  };
}

function isTagged(f: FieldSchema, version: number, flexible: boolean): boolean {
  return flexible && f.tag !== undefined && inRange(f.tagged, version);
}

export function compileDecoder(fields: FieldSchema[], version: number, flexible: boolean): Decode {
  const steps: { name: string; read: (r: Reader) => unknown }[] = [];
  const absent: FieldSchema[] = [];
  const tagged = new Map<number, { name: string; read: (r: Reader) => unknown }>();
  for (const f of fields) {
    if (!inRange(f.versions, version)) {
      absent.push(f);
      continue;
    }
    const one = readOne(f, version, flexible);
    const read = f.array ? arrayReader(f, one, version, flexible) : one;
    if (isTagged(f, version, flexible)) {
      tagged.set(f.tag!, { name: f.name, read });
      absent.push(f);
    } else steps.push({ name: f.name, read });
  }
  return (r) => {
    const out: Obj = {};
    for (const f of absent) out[f.name] = defaultValue(f);
    for (const s of steps) out[s.name] = s.read(r);
    if (flexible) {
      const count = r.uvarint();
      for (let i = 0; i < count; i++) {
        const tag = r.uvarint();
        const size = r.uvarint();
        const known = tagged.get(tag);
        if (!known) {
          r.skip(size);
          continue;
        }
        const end = r.pos + size;
        if (size > r.remaining) throw new ProtocolError('TRUNCATED', `tagged field ${tag} of ${size} bytes`);
        const sub = new Reader(r.buf, r.pos, end);
        out[known.name] = known.read(sub);
        r.pos = end;
      }
    }
    return out;
  };
}

export function compileEncoder(fields: FieldSchema[], version: number, flexible: boolean): Encode {
  const steps: { name: string; field: FieldSchema; write: (w: Writer, v: unknown) => void }[] = [];
  const tagged: { tag: number; field: FieldSchema; write: (w: Writer, v: unknown) => void }[] = [];
  for (const f of fields) {
    if (!inRange(f.versions, version)) continue;
    const one = writeOne(f, version, flexible);
    const write = f.array ? arrayWriter(f, one, version, flexible) : one;
    if (isTagged(f, version, flexible)) tagged.push({ tag: f.tag!, field: f, write });
    else steps.push({ name: f.name, field: f, write });
  }
  tagged.sort((a, b) => a.tag - b.tag);
  return (w, value) => {
    for (const s of steps) {
      const v = value[s.name];
      s.write(w, v === undefined ? defaultValue(s.field) : v);
    }
    if (!flexible) return;
    const present = tagged.filter((t) => {
      const v = value[t.field.name];
      return v !== undefined && !isDefault(v, defaultValue(t.field));
    });
    w.uvarint(present.length);
    for (const t of present) {
      const sub = new Writer(64);
      t.write(sub, value[t.field.name]);
      const bytes = sub.toBuffer();
      w.uvarint(t.tag);
      w.uvarint(bytes.length);
      w.raw(bytes);
    }
  };
}

function isDefault(v: unknown, d: unknown): boolean {
  if (v === d) return true;
  if (Array.isArray(v) && Array.isArray(d)) return v.length === 0 && d.length === 0;
  if (v instanceof Uint8Array && d instanceof Uint8Array) return v.length === 0 && d.length === 0;
  if (v && d && typeof v === 'object' && typeof d === 'object') {
    return Object.keys(d).every((k) => isDefault((v as Obj)[k], (d as Obj)[k]));
  }
  return false;
}
