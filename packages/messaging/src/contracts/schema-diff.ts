// What changed between the published schema of an event version and the current one, from the point of
// view of its readers: old readers validate new events against the published schema, new readers validate
// old events (still in the log) against the current one. Only additive optional fields keep both working.
import type { JsonObject, JsonValue } from './asyncapi.ts';

export type BreakingRule =
  | 'TYPE_CHANGED'
  | 'REQUIRED_FIELD_REMOVED'
  | 'OPTIONAL_FIELD_REMOVED'
  | 'REQUIRED_FIELD_ADDED'
  | 'FIELD_MADE_REQUIRED'
  | 'FIELD_MADE_OPTIONAL'
  | 'FIELD_ADDED_TO_CLOSED_OBJECT'
  | 'CONSTRAINT_NARROWED'
  | 'CONSTRAINT_WIDENED'
  | 'SCHEMA_CHANGED';

export interface SchemaChange {
  /** JSON pointer into the payload. */
  path: string;
  rule: BreakingRule;
  message: string;
}

const ANNOTATIONS = new Set(['description', 'title', 'examples', 'example', '$comment', 'default', '$id']);
const STRUCTURE = new Set(['type', 'properties', 'required', 'items', 'additionalProperties']);
const LOWER = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'];
const UPPER = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'];
const EXACT = ['pattern', 'format', 'const', 'multipleOf', 'uniqueItems'];

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Stable JSON without annotations, for structural comparison. */
function canonical(value: JsonValue | undefined): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => !ANNOTATIONS.has(k))
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function typeOf(schema: JsonObject): string | undefined {
  const t = schema.type;
  if (t === undefined) return undefined;
  return Array.isArray(t) ? [...t].map(String).sort().join('|') : String(t);
}

function requiredOf(schema: JsonObject): Set<string> {
  return new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
}

function closed(schema: JsonObject): boolean {
  return schema.additionalProperties === false;
}

export function diffSchemas(published: JsonObject, current: JsonObject, path = ''): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const at = path || '/';
  const before = typeOf(published);
  const after = typeOf(current);
  if (before !== after) {
    changes.push({
      path: at,
      rule: 'TYPE_CHANGED',
      message: `type ${before ?? '(any)'} became ${after ?? '(any)'}`,
    });
    return changes;
  }
  if (after === 'object') changes.push(...diffObjects(published, current, path));
  if (after === 'array' && isObject(published.items) && isObject(current.items)) {
    changes.push(...diffSchemas(published.items, current.items, `${path}/items`));
  } else if (after === 'array' && canonical(published.items) !== canonical(current.items)) {
    changes.push({ path: at, rule: 'SCHEMA_CHANGED', message: 'array items changed' });
  }
  changes.push(...diffConstraints(published, current, at));
  // Anything else (anyOf, oneOf, allOf, not, if/then/else...) must stay as it was.
  const rest = (s: JsonObject) =>
    canonical(
      Object.fromEntries(
        Object.entries(s).filter(
          ([k]) =>
            !STRUCTURE.has(k) &&
            !LOWER.includes(k) &&
            !UPPER.includes(k) &&
            !EXACT.includes(k) &&
            k !== 'enum',
        ),
      ),
    );
  if (rest(published) !== rest(current)) {
    changes.push({ path: at, rule: 'SCHEMA_CHANGED', message: 'schema composition changed' });
  }
  return changes;
}

function diffObjects(published: JsonObject, current: JsonObject, path: string): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const oldProps = isObject(published.properties) ? published.properties : {};
  const newProps = isObject(current.properties) ? current.properties : {};
  const oldRequired = requiredOf(published);
  const newRequired = requiredOf(current);
  for (const name of Object.keys(oldProps)) {
    const p = `${path}/${name}`;
    if (!(name in newProps)) {
      changes.push(
        oldRequired.has(name)
          ? { path: p, rule: 'REQUIRED_FIELD_REMOVED', message: 'required field removed (or renamed)' }
          : { path: p, rule: 'OPTIONAL_FIELD_REMOVED', message: 'optional field removed (or renamed)' },
      );
      continue;
    }
    if (!oldRequired.has(name) && newRequired.has(name)) {
      changes.push({ path: p, rule: 'FIELD_MADE_REQUIRED', message: 'optional field became required' });
    }
    if (oldRequired.has(name) && !newRequired.has(name)) {
      changes.push({ path: p, rule: 'FIELD_MADE_OPTIONAL', message: 'required field became optional' });
    }
    const o = oldProps[name];
    const n = newProps[name];
    if (isObject(o) && isObject(n)) changes.push(...diffSchemas(o, n, p));
  }
  for (const name of Object.keys(newProps)) {
    if (name in oldProps) continue;
    const p = `${path}/${name}`;
    if (newRequired.has(name)) {
      changes.push({
        path: p,
        rule: 'REQUIRED_FIELD_ADDED',
        message: 'new required field (old events lack it)',
      });
    } else if (closed(published)) {
      changes.push({
        path: p,
        rule: 'FIELD_ADDED_TO_CLOSED_OBJECT',
        message: 'new field on an object that refused unknown fields',
      });
    }
  }
  if (closed(published) !== closed(current)) {
    changes.push({
      path: path || '/',
      rule: closed(current) ? 'CONSTRAINT_NARROWED' : 'CONSTRAINT_WIDENED',
      message: closed(current) ? 'object now refuses unknown fields' : 'object now accepts unknown fields',
    });
  }
  return changes;
}

function diffConstraints(published: JsonObject, current: JsonObject, at: string): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const narrowed = (message: string) => changes.push({ path: at, rule: 'CONSTRAINT_NARROWED', message });
  const widened = (message: string) => changes.push({ path: at, rule: 'CONSTRAINT_WIDENED', message });
  for (const k of LOWER) {
    const o = published[k] as number | undefined;
    const n = current[k] as number | undefined;
    if (o === n) continue;
    if (o === undefined || (n !== undefined && n > o)) narrowed(`${k} ${o ?? 'none'} -> ${n}`);
    else widened(`${k} ${o} -> ${n ?? 'none'}`);
  }
  for (const k of UPPER) {
    const o = published[k] as number | undefined;
    const n = current[k] as number | undefined;
    if (o === n) continue;
    if (o === undefined || (n !== undefined && n < o)) narrowed(`${k} ${o ?? 'none'} -> ${n}`);
    else widened(`${k} ${o} -> ${n ?? 'none'}`);
  }
  for (const k of EXACT) {
    if (canonical(published[k]) === canonical(current[k])) continue;
    if (current[k] === undefined) widened(`${k} ${JSON.stringify(published[k])} removed`);
    else narrowed(`${k} ${JSON.stringify(published[k] ?? null)} -> ${JSON.stringify(current[k])}`);
  }
  const oldEnum = Array.isArray(published.enum) ? published.enum.map(canonical) : undefined;
  const newEnum = Array.isArray(current.enum) ? current.enum.map(canonical) : undefined;
  if (canonical(oldEnum ?? null) !== canonical(newEnum ?? null)) {
    if (newEnum && (!oldEnum || oldEnum.some((v) => !newEnum.includes(v)))) narrowed('enum values removed');
    if (oldEnum && (!newEnum || newEnum.some((v) => !oldEnum.includes(v)))) widened('enum values added');
  }
  return changes;
}
