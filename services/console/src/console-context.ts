// The parts of the console the routes use, built once by app.ts.
import type { EventRegistry } from '@tributary/messaging';
import type { AuditLog } from './audit/audit-log.ts';
import type { DeadLetterActions } from './dead-letters/dead-letter-actions.ts';
import type { DeadLetterStore } from './dead-letters/dead-letter-store.ts';
import type { RedriveJobs } from './dead-letters/redrive-jobs.ts';
import type { GroupLagReader } from './groups/group-lag.ts';
import type { LagHistory } from './groups/lag-history.ts';
import type { OffsetReset } from './groups/offset-reset.ts';
import type { KafkaCluster } from './kafka/kafka-cluster.ts';
import type { TopicDirectory } from './kafka/topic-directory.ts';
import type { PartitionBrowser } from './messages/partition-browser.ts';
import type { TraceStore } from './traces/trace-store.ts';

export interface ConsoleContext {
  cluster: KafkaCluster;
  topics: TopicDirectory;
  contracts: EventRegistry;
  browser: PartitionBrowser;
  groups: GroupLagReader;
  lagHistory: LagHistory;
  offsetReset: OffsetReset;
  deadLetters: DeadLetterStore;
  actions: DeadLetterActions;
  /** Redrives of more than `redriveJobThreshold` dead letters run here, in the background. */
  redriveJobs: RedriveJobs;
  redriveJobThreshold: number;
  traces: TraceStore;
  audit: AuditLog;
  tailPollMs: number;
  /** Aborted when the app closes: live tails end. */
  shutdown: AbortSignal;
}
