// The console benchmark's baseline, in a process of its own: the same Kafka work the console does for a
// view, with the raw @platformatic/kafka clients and no HTTP, timed here. Reads one command per line on stdin
// (`page <topic>`, `latest <topic>`, `lag`) and answers with the milliseconds it took.
import { createInterface } from 'node:readline';
import { Admin, Consumer } from '@platformatic/kafka';

const brokers = (process.argv[2] ?? '').split(',');
const admin = new Admin({ clientId: 'bench-baseline', bootstrapBrokers: brokers });
const reader = new Consumer({
  clientId: 'bench-baseline-reader',
  groupId: 'bench-baseline',
  bootstrapBrokers: brokers,
});

async function fetchPage(topic: string, latest: boolean): Promise<number> {
  const metadata = await admin.metadata({ topics: [topic] });
  const t = metadata.topics.get(topic)!;
  const [ends] = await admin.listOffsets({
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: latest ? -1n : -2n }] }],
  });
  const at = ends.partitions[0].offset;
  if (!reader.topics.has(topic)) reader.topics.track(topic);
  const response = await reader.fetch({
    node: t.partitions[0].leader,
    maxWaitTime: 0,
    topics: [
      {
        topicId: t.id,
        partitions: [
          {
            partition: 0,
            fetchOffset: latest ? at - 50n : at,
            partitionMaxBytes: 1024 * 1024,
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
          },
        ],
      },
    ],
  });
  return response.responses[0]?.partitions[0]?.records?.length ?? 0;
}

async function lag(): Promise<number> {
  const groups = [...(await admin.listGroups()).keys()];
  const [, offsets] = await Promise.all([
    admin.describeGroups({ groups }),
    admin.listConsumerGroupOffsets({ groups }),
  ]);
  const topics = new Map<string, number>();
  for (const g of offsets) for (const t of g.topics) topics.set(t.name, t.partitions.length);
  const ends = await admin.listOffsets({
    topics: [...topics].map(([name, n]) => ({
      name,
      partitions: Array.from({ length: n }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })),
    })),
  });
  return ends.length;
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, topic] = line.split(' ');
  const start = performance.now();
  if (command === 'page') await fetchPage(topic, false);
  else if (command === 'latest') await fetchPage(topic, true);
  else if (command === 'lag') await lag();
  else if (command === 'quit') break;
  process.stdout.write(`${(performance.now() - start).toFixed(3)}\n`);
}
await Promise.allSettled([admin.close(), reader.close(true)]);
