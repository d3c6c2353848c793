// Pages through one partition: from an offset, a timestamp, the earliest or the latest records, optionally
// filtered by key, header or text. A page reads a bounded number of records (never a whole partition) and
// says where the next one starts.
import type { EventRegistry } from '@tributary/messaging';
import { ConsoleError } from '../errors/console-error.ts';
import type { KafkaCluster } from '../kafka/kafka-cluster.ts';
import type { TopicDirectory } from '../kafka/topic-directory.ts';
import { type MessageView, viewOf } from './message-view.ts';

export interface MessageFilter {
  key?: string;
  /** `name` (present) or `name=value` (equal). */
  header?: string;
  /** Case-insensitive substring of the value. */
  text?: string;
}

export interface PageRequest {
  topic: string;
  partition: number;
  /** Exactly one of offset, timestamp (ms) and position. */
  offset?: bigint;
  timestamp?: number;
  position?: 'earliest' | 'latest';
  limit: number;
  filter?: MessageFilter;
}

export interface MessagePage {
  topic: string;
  partition: number;
  /** First and next offsets of the partition when the page was read. */
  start: string;
  end: string;
  /** Where this page's reading began and where the next page starts (null at the end). */
  from: string;
  nextOffset: string | null;
  /** Records looked at (more than returned when a filter drops some). */
  scanned: number;
  messages: MessageView[];
}

/** A first fetch sized for a page; filtered scans grow it up to FETCH_MAX_BYTES. */
const FETCH_FIRST_BYTES = 64 * 1024;
const FETCH_MAX_BYTES = 1024 * 1024;
/** Records a filtered page looks at before it returns what it found so far. */
const SCAN_LIMIT = 20_000;

function compileFilter(filter: MessageFilter | undefined): ((m: MessageView) => boolean) | undefined {
  if (!filter || (filter.key === undefined && filter.header === undefined && filter.text === undefined)) {
    return undefined;
  }
  let header: { name: string; value: string | undefined } | undefined;
  if (filter.header !== undefined) {
    const at = filter.header.indexOf('=');
    const name = at < 0 ? filter.header : filter.header.slice(0, at);
    if (name.trim() === '')
      throw new ConsoleError('INVALID_FILTER', 'a header filter needs a name: name or name=value');
    header = { name, value: at < 0 ? undefined : filter.header.slice(at + 1) };
  }
  const text = filter.text?.toLowerCase();
  if (text === '') throw new ConsoleError('INVALID_FILTER', 'a text filter must not be empty');
  return (m) => {
    if (filter.key !== undefined && m.key !== filter.key) return false;
    if (header) {
      const value = m.headers[header.name];
      if (value === undefined || (header.value !== undefined && value !== header.value)) return false;
    }
    if (text !== undefined && !(m.text ?? '').toLowerCase().includes(text)) return false;
    return true;
  };
}

export class PartitionBrowser {
  readonly #cluster: KafkaCluster;
  readonly #topics: TopicDirectory;
  readonly #contracts: EventRegistry;

  constructor(cluster: KafkaCluster, topics: TopicDirectory, contracts: EventRegistry) {
    this.#cluster = cluster;
    this.#topics = topics;
    this.#contracts = contracts;
  }

  async page(request: PageRequest): Promise<MessagePage> {
    const matches = compileFilter(request.filter);
    const layout = await this.#topics.layout(request.topic);
    const leader = layout.leaders[request.partition];
    if (leader === undefined) {
      throw new ConsoleError(
        'PARTITION_NOT_FOUND',
        `topic ${request.topic} has ${layout.leaders.length} partition(s) (0-${layout.leaders.length - 1}), not ${request.partition}`,
      );
    }
    const bounds = (await this.#cluster.offsets(new Map([[request.topic, layout.leaders.length]])))
      .get(request.topic)
      ?.find((p) => p.partition === request.partition) ?? {
      partition: request.partition,
      start: 0n,
      end: 0n,
    };
    let from: bigint;
    if (request.offset !== undefined) {
      if (request.offset < bounds.start || request.offset > bounds.end) {
        throw new ConsoleError(
          'OFFSET_OUT_OF_RANGE',
          `offset ${request.offset} is outside ${request.topic}/${request.partition}, which holds offsets ${bounds.start} to ${bounds.end - 1n} (next ${bounds.end})`,
          { start: String(bounds.start), end: String(bounds.end) },
        );
      }
      from = request.offset;
    } else if (request.timestamp !== undefined) {
      from = await this.#cluster.offsetForTime(request.topic, request.partition, request.timestamp);
    } else if (request.position === 'latest') {
      const back = BigInt(matches ? SCAN_LIMIT : request.limit);
      from = bounds.end - back > bounds.start ? bounds.end - back : bounds.start;
    } else {
      from = bounds.start;
    }
    // Latest with a filter scans the whole tail window and keeps the newest matches.
    const newest = request.position === 'latest' && matches !== undefined;
    const cap = newest ? Number.POSITIVE_INFINITY : request.limit;
    const messages: MessageView[] = [];
    let next = from;
    let scanned = 0;
    let fetchBytes = FETCH_FIRST_BYTES;
    while (next < bounds.end && messages.length < cap && scanned < SCAN_LIMIT) {
      const records = await this.#cluster.fetch(
        request.topic,
        layout.id,
        leader,
        request.partition,
        next,
        fetchBytes,
      );
      fetchBytes = Math.min(fetchBytes * 4, FETCH_MAX_BYTES);
      if (records.length === 0) break;
      for (const record of records) {
        if (record.offset >= bounds.end || messages.length >= cap) break;
        next = record.offset + 1n;
        scanned++;
        const view = viewOf(request.topic, record, this.#contracts);
        if (!matches || matches(view)) messages.push(view);
      }
    }
    const shown = newest ? messages.slice(-request.limit) : messages;
    return {
      topic: request.topic,
      partition: request.partition,
      start: String(bounds.start),
      end: String(bounds.end),
      from: String(from),
      nextOffset: next < bounds.end ? String(next) : null,
      scanned,
      messages: shown,
    };
  }
}
