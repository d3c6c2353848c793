// The set of event contracts a process knows, with the upcasters that turn version N into N+1 so a reader
// written for the newest version still reads events published under older ones.
import {
  MessagingArgumentError,
  SchemaInvalidError,
  UnknownEventTypeError,
  UnsupportedEventVersionError,
} from '../errors.ts';
import { type AnyEventDefinition, type EventData, parseCeType } from './define-event.ts';

export interface Upcaster<From extends AnyEventDefinition = AnyEventDefinition, To = AnyEventDefinition> {
  readonly from: From;
  readonly to: To;
  upcast(data: EventData<From>): EventData<To>;
}

/** Declares how a payload of `from` (version N) becomes one of `to` (version N+1, same type). */
export function defineUpcaster<From extends AnyEventDefinition, To extends AnyEventDefinition>(
  from: From,
  to: To,
  upcast: (data: EventData<From>) => EventData<To>,
): Upcaster<From, To> {
  if (from.type !== to.type || to.version !== from.version + 1) {
    throw new MessagingArgumentError(
      `an upcaster goes from version N to N+1 of one event type (got ${from.ceType} -> ${to.ceType})`,
    );
  }
  return Object.freeze({ from, to, upcast });
}

export interface EventRegistryOptions {
  upcasters?: readonly Upcaster[];
}

export class EventRegistry {
  readonly #byCeType = new Map<string, AnyEventDefinition>();
  readonly #upcasters = new Map<string, Upcaster>();

  constructor(definitions: readonly AnyEventDefinition[], options: EventRegistryOptions = {}) {
    for (const definition of definitions) {
      if (this.#byCeType.has(definition.ceType)) {
        throw new MessagingArgumentError(`${definition.ceType} is defined twice`);
      }
      const sibling = this.versionsOf(definition.type)[0];
      // Versions of one event share topic and key, or per-aggregate order breaks across versions.
      if (sibling && (sibling.topic !== definition.topic || sibling.key !== definition.key)) {
        throw new MessagingArgumentError(
          `${definition.ceType} must use the topic and key of ${sibling.ceType} (${sibling.topic}, ${sibling.key})`,
        );
      }
      this.#byCeType.set(definition.ceType, definition);
    }
    for (const upcaster of options.upcasters ?? []) {
      for (const end of [upcaster.from, upcaster.to]) {
        if (this.#byCeType.get(end.ceType) !== end) {
          throw new MessagingArgumentError(
            `upcaster ${upcaster.from.ceType}: ${end.ceType} is not registered`,
          );
        }
      }
      if (this.#upcasters.has(upcaster.from.ceType)) {
        throw new MessagingArgumentError(`${upcaster.from.ceType} has two upcasters`);
      }
      this.#upcasters.set(upcaster.from.ceType, upcaster);
    }
  }

  /** Every definition, ordered by type then version. */
  definitions(): AnyEventDefinition[] {
    return [...this.#byCeType.values()].sort((a, b) =>
      a.type === b.type ? a.version - b.version : a.type < b.type ? -1 : 1,
    );
  }

  get(ceType: string): AnyEventDefinition | undefined {
    return this.#byCeType.get(ceType);
  }

  versionsOf(type: string): AnyEventDefinition[] {
    return this.definitions().filter((d) => d.type === type);
  }

  latest(type: string): AnyEventDefinition | undefined {
    return this.versionsOf(type).at(-1);
  }

  topics(): string[] {
    return [...new Set(this.definitions().map((d) => d.topic))].sort();
  }

  upcasters(): Upcaster[] {
    return [...this.#upcasters.values()];
  }

  /**
   * Validates `data` as the event named by `ceType` and upcasts it, step by step, to `target`'s version.
   * Throws UNKNOWN_EVENT_TYPE, UNSUPPORTED_EVENT_VERSION or SCHEMA_INVALID (none of them retriable).
   */
  read<D extends AnyEventDefinition>(ceType: string, data: unknown, target: D): EventData<D> {
    const parsed = parseCeType(ceType);
    const source: AnyEventDefinition | undefined = this.#byCeType.get(ceType);
    if (!parsed || parsed.type !== target.type) throw new UnknownEventTypeError(ceType);
    if (!source) {
      throw new UnsupportedEventVersionError(
        ceType,
        `${ceType} is not a known version of ${target.type} (this reader knows ${this.versionsOf(target.type)
          .map((d) => `v${d.version}`)
          .join(', ')})`,
      );
    }
    if (source.version > target.version) {
      throw new UnsupportedEventVersionError(
        ceType,
        `${ceType} is newer than ${target.ceType}, which this reader handles`,
      );
    }
    source.validate(data);
    let current: AnyEventDefinition = source;
    let value: unknown = data;
    while (current.version < target.version) {
      const upcaster = this.#upcasters.get(current.ceType);
      if (!upcaster) {
        throw new UnsupportedEventVersionError(
          ceType,
          `no upcaster from ${current.ceType} towards ${target.ceType}`,
        );
      }
      value = upcaster.upcast(value);
      current = upcaster.to;
      try {
        current.validate(value);
      } catch (err) {
        if (err instanceof SchemaInvalidError) {
          // The upcaster, not the event, is at fault; still not retriable.
          throw new SchemaInvalidError(`${current.ceType} (upcast from ${ceType})`, err.issues);
        }
        throw err;
      }
    }
    return value as EventData<D>;
  }
}

export function createEventRegistry(
  definitions: readonly AnyEventDefinition[],
  options: EventRegistryOptions = {},
): EventRegistry {
  return new EventRegistry(definitions, options);
}
