// Cluster, topics and messages: brokers, topics with partitions, offsets and configs, pages of a
// partition, and a live tail of a topic as server-sent events.
import type { App } from '@tributary/service-kit';
import { Type } from 'typebox';
import type { ConsoleContext } from '../console-context.ts';
import { ConsoleError } from '../errors/console-error.ts';
import { viewOf } from '../messages/message-view.ts';
import { kafkaCall } from './kafka-call.ts';

const TopicParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 249 }) });
const PartitionParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 249 }),
  partition: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
});
const PageQuery = Type.Object(
  {
    offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$', description: 'first offset to read' })),
    timestamp: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'ISO time or epoch milliseconds: first record at or after it',
      }),
    ),
    position: Type.Optional(Type.Union([Type.Literal('earliest'), Type.Literal('latest')])),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    key: Type.Optional(Type.String({ maxLength: 1000 })),
    header: Type.Optional(Type.String({ maxLength: 1000, description: '`name` or `name=value`' })),
    text: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

function parseTime(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new ConsoleError(
      'INVALID_FILTER',
      `timestamp ${JSON.stringify(text)} is neither an ISO time nor epoch ms`,
    );
  }
  return ms;
}

/** Bytes of a topic: the sum over its partitions, or null when a partition's size is missing. */
function topicSize(partitions: ReadonlyMap<number, number> | undefined, count: number): number | null {
  if (!partitions) return null;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const size = partitions.get(i);
    if (size === undefined) return null;
    total += size;
  }
  return total;
}

export function registerClusterRoutes(app: App, ctx: ConsoleContext): void {
  app.get(
    '/api/cluster',
    {
      schema: {
        tags: ['cluster'],
        summary: 'Brokers and topics',
        description:
          'Topics with partitions, messages and size in bytes; sizes are null, with `sizeUnknownReason`, when the cluster refuses DescribeLogDirs (an old broker, no DESCRIBE on the cluster).',
      },
    },
    async () =>
      kafkaCall(async () => {
        const metadata = await ctx.cluster.metadata();
        const counts = new Map([...metadata.topics].map(([name, t]) => [name, t.partitionsCount]));
        const leaders = new Map(
          [...metadata.topics].map(([name, t]) => [name, t.partitions.map((p) => p.leader)]),
        );
        const [offsets, sizes] = await Promise.all([ctx.cluster.offsets(counts), ctx.cluster.sizes(leaders)]);
        const topics = [...metadata.topics.keys()].sort().map((name) => {
          const partitions = offsets.get(name) ?? [];
          return {
            name,
            partitions: counts.get(name) ?? 0,
            messages: partitions.reduce((sum, p) => sum + Number(p.end - p.start), 0),
            endOffsets: partitions.map((p) => String(p.end)),
            size: sizes.known ? topicSize(sizes.topics.get(name), counts.get(name) ?? 0) : null,
          };
        });
        return {
          clusterId: metadata.id,
          controllerId: metadata.controllerId,
          brokers: [...metadata.brokers].map(([id, b]) => ({ id, host: b.host, port: b.port, rack: b.rack })),
          topics,
          sizeUnknownReason: sizes.known ? null : sizes.reason,
        };
      }),
  );

  app.get(
    '/api/topics/:name',
    {
      schema: {
        tags: ['cluster'],
        summary: 'A topic: partitions, offsets, sizes, configs',
        description:
          'Sizes in bytes per partition and in all; null, with `sizeUnknownReason`, when the cluster refuses DescribeLogDirs.',
        params: TopicParams,
      },
    },
    async (request) =>
      kafkaCall(async () => {
        const { name } = request.params;
        const layout = await ctx.topics.layout(name);
        const [offsets, configs, sizes] = await Promise.all([
          ctx.cluster.offsets(new Map([[name, layout.leaders.length]])),
          ctx.cluster.topicConfigs(name),
          ctx.cluster.sizes(new Map([[name, layout.leaders]])),
        ]);
        const partitionSizes = sizes.known ? sizes.topics.get(name) : undefined;
        return {
          name,
          id: layout.id,
          size: sizes.known ? topicSize(partitionSizes, layout.leaders.length) : null,
          sizeUnknownReason: sizes.known ? null : sizes.reason,
          partitions: (offsets.get(name) ?? []).map((p) => ({
            partition: p.partition,
            leader: layout.leaders[p.partition] ?? null,
            start: String(p.start),
            end: String(p.end),
            messages: Number(p.end - p.start),
            size: partitionSizes?.get(p.partition) ?? null,
          })),
          configs,
        };
      }),
  );

  app.get(
    '/api/topics/:name/partitions/:partition/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'A page of one partition',
        description:
          'From `offset`, `timestamp` or `position` (earliest by default, or latest), at most `limit` records, filtered by `key`, `header` or `text`; `nextOffset` starts the next page.',
        params: PartitionParams,
        querystring: PageQuery,
      },
    },
    async (request) => {
      const q = request.query;
      const chosen = [q.offset, q.timestamp, q.position].filter((v) => v !== undefined).length;
      if (chosen > 1) {
        throw new ConsoleError('INVALID_FILTER', 'give at most one of offset, timestamp and position');
      }
      return kafkaCall(() =>
        ctx.browser.page({
          topic: request.params.name,
          partition: request.params.partition,
          offset: q.offset === undefined ? undefined : BigInt(q.offset),
          timestamp: q.timestamp === undefined ? undefined : parseTime(q.timestamp),
          position: q.position,
          limit: q.limit,
          filter: { key: q.key, header: q.header, text: q.text },
        }),
      );
    },
  );

  app.get(
    '/api/topics/:name/tail',
    {
      schema: {
        tags: ['messages'],
        summary: 'Live tail (server-sent events)',
        description: 'Each new record of the topic as an `event: message` with the message as JSON.',
        params: TopicParams,
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const layout = await kafkaCall(() => ctx.topics.layout(name));
      const offsets = await kafkaCall(() => ctx.cluster.offsets(new Map([[name, layout.leaders.length]])));
      const next = new Map((offsets.get(name) ?? []).map((p) => [p.partition, p.end]));
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write(': tailing\n\n');
      let open = true;
      request.raw.on('close', () => {
        open = false;
      });
      while (open && !ctx.shutdown.aborted) {
        for (const [partition, from] of next) {
          if (!open) break;
          try {
            const records = await ctx.cluster.fetch(
              name,
              layout.id,
              layout.leaders[partition] ?? -1,
              partition,
              from,
              256 * 1024,
            );
            for (const record of records) {
              res.write(`event: message\ndata: ${JSON.stringify(viewOf(name, record, ctx.contracts))}\n\n`);
              next.set(partition, record.offset + 1n);
            }
          } catch (err) {
            res.write(`event: problem\ndata: ${JSON.stringify({ detail: (err as Error).message })}\n\n`);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, ctx.tailPollMs));
      }
      res.end();
    },
  );
}
