// Published event versions are frozen for their readers: a snapshot of their schemas is committed, and a
// change to a definition that would break readers of a published version fails the check.
import { type JsonObject, toJsonSchema } from './asyncapi.ts';
import type { EventRegistry } from './event-registry.ts';
import { type BreakingRule, diffSchemas } from './schema-diff.ts';

export interface PublishedEvent {
  type: string;
  version: number;
  topic: string;
  key: string;
  schema: JsonObject;
}

export interface PublishedSnapshot {
  $comment?: string;
  /** By ce_type. */
  events: Record<string, PublishedEvent>;
}

export interface CompatibilityIssue {
  ceType: string;
  path: string;
  rule: BreakingRule | 'VERSION_REMOVED' | 'TOPIC_CHANGED' | 'KEY_CHANGED';
  message: string;
}

export interface CompatibilityReport {
  ok: boolean;
  breaking: CompatibilityIssue[];
  /** Versions in the registry that the snapshot does not have yet (free to change until published). */
  unpublished: string[];
}

export function checkCompatibility(
  snapshot: PublishedSnapshot,
  registry: EventRegistry,
): CompatibilityReport {
  const breaking: CompatibilityIssue[] = [];
  for (const [ceType, published] of Object.entries(snapshot.events)) {
    const current = registry.get(ceType);
    if (!current) {
      breaking.push({
        ceType,
        path: '',
        rule: 'VERSION_REMOVED',
        message: 'a published version was removed; readers of events in the log need it',
      });
      continue;
    }
    if (current.topic !== published.topic) {
      breaking.push({
        ceType,
        path: '',
        rule: 'TOPIC_CHANGED',
        message: `topic ${published.topic} -> ${current.topic}`,
      });
    }
    if (current.key !== published.key) {
      breaking.push({
        ceType,
        path: '',
        rule: 'KEY_CHANGED',
        message: `key ${published.key} -> ${current.key}`,
      });
    }
    for (const change of diffSchemas(published.schema, toJsonSchema(current.schema))) {
      breaking.push({ ceType, ...change });
    }
  }
  const unpublished = registry
    .definitions()
    .map((d) => d.ceType)
    .filter((ceType) => !(ceType in snapshot.events));
  return { ok: breaking.length === 0, breaking, unpublished };
}

/** The snapshot of every version in the registry (what `publish` writes once the check passes). */
export function snapshotOf(registry: EventRegistry, comment?: string): PublishedSnapshot {
  const events: Record<string, PublishedEvent> = {};
  for (const d of registry.definitions()) {
    events[d.ceType] = {
      type: d.type,
      version: d.version,
      topic: d.topic,
      key: d.key,
      schema: toJsonSchema(d.schema),
    };
  }
  return comment === undefined ? { events } : { $comment: comment, events };
}

/** Reads a snapshot from parsed JSON, refusing anything that is not one. */
export function parseSnapshot(value: unknown): PublishedSnapshot {
  const events = (value as { events?: unknown } | null)?.events;
  if (!events || typeof events !== 'object' || Array.isArray(events)) {
    throw new TypeError('a published-events snapshot has an "events" object keyed by ce_type');
  }
  for (const [ceType, e] of Object.entries(events as Record<string, Partial<PublishedEvent>>)) {
    if (
      !e ||
      typeof e.type !== 'string' ||
      typeof e.version !== 'number' ||
      typeof e.topic !== 'string' ||
      typeof e.key !== 'string' ||
      !e.schema ||
      typeof e.schema !== 'object'
    ) {
      throw new TypeError(`snapshot entry ${ceType} needs type, version, topic, key and schema`);
    }
  }
  return value as PublishedSnapshot;
}

export function formatCompatibilityReport(report: CompatibilityReport): string {
  const lines: string[] = [];
  for (const issue of report.breaking) {
    lines.push(
      `BREAKING ${issue.ceType}${issue.path ? ` ${issue.path}` : ''}: ${issue.rule} - ${issue.message}`,
    );
  }
  for (const ceType of report.unpublished) lines.push(`new (unpublished) ${ceType}`);
  lines.push(
    report.ok
      ? 'contracts are compatible with the published versions'
      : `${report.breaking.length} breaking change(s): publish a new version instead of changing a published one`,
  );
  return lines.join('\n');
}
