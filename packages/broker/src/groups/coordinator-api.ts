// What goes in and out of the group coordinator: plain objects shaped like the Kafka request and response
// bodies (camelCase field names), offsets as numbers. The request handlers translate to and from the wire.
import type { Logger } from 'pino';
import type { FileSystem } from '../io/index.ts';
import type { TimerSource } from './deadline-queue.ts';
import type { GroupState } from './group-state.ts';

export interface GroupCoordinatorConfig {
  /** Directory of the committed-offsets journal (created when missing). */
  dataDir: string;
  logger: Logger;
  /** The file system of the offsets journal (default node:fs; tests pass a simulated disk). */
  fs?: FileSystem;
  /** Kafka's group.min.session.timeout.ms (default 6000). */
  minSessionTimeoutMs?: number;
  /** Kafka's group.max.session.timeout.ms (default 1800000). */
  maxSessionTimeoutMs?: number;
  /**
   * Kafka's group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for more
   * members (extended by the same delay, up to the rebalance timeout, while new members keep arriving).
   * Default 0 here (Kafka: 3000): an embedded broker mostly serves tests and single consumers.
   */
  initialRebalanceDelayMs?: number;
  /** Wall clock for commit timestamps (default Date.now); also drives timeouts when `timers` is not given. */
  now?: () => number;
  /** Clock and timers for session/rebalance timeouts (default: monotonic clock, real unref'd timers). */
  timers?: TimerSource;
  /** How long an empty group without members or offsets is kept before it is forgotten (default 10 min). */
  emptyGroupRetentionMs?: number;
  /** The offsets journal is compacted once larger than this and `compactRatio` × its live size. */
  offsetsCompactMinBytes?: number;
  offsetsCompactRatio?: number;
}

export interface JoinGroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupInput {
  groupId: string;
  sessionTimeoutMs: number;
  /** v0 has none: the handler passes the session timeout. */
  rebalanceTimeoutMs: number;
  /** '' for a member joining for the first time. */
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: JoinGroupProtocol[];
  reason?: string | null;
  apiVersion: number;
  clientId: string;
  clientHost: string;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupOutput {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  /** Every member with its metadata for the chosen protocol for the leader; empty for the others. */
  members: JoinGroupMember[];
}

export interface SyncGroupInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v5+: checked against the group's when not null. */
  protocolType: string | null;
  protocolName: string | null;
  /** The leader's assignment, one entry per member; empty from followers. */
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncGroupOutput {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface HeartbeatInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupInput {
  groupId: string;
  /** v0–2: one member by id; v3+: a batch by member id and/or group instance id. */
  members: { memberId: string; groupInstanceId: string | null; reason?: string | null }[];
}

export interface LeaveGroupOutput {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface DescribedGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Metadata for the group's protocol; empty unless the group is Stable (as Kafka). */
  memberMetadata: Buffer;
  /** Empty unless the group is Stable (as Kafka). */
  memberAssignment: Buffer;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: GroupState | '';
  protocolType: string;
  /** The chosen protocol name when Stable, else ''. */
  protocolData: string;
  members: DescribedGroupMember[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: GroupState;
}

export interface OffsetCommitInput {
  groupId: string;
  /** -1 (with memberId '') for a commit from outside group management. */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: number;
      committedLeaderEpoch: number;
      committedMetadata: string | null;
    }[];
  }[];
}

export type OffsetCommitOutput = {
  name: string;
  partitions: { partitionIndex: number; errorCode: number }[];
}[];

export interface OffsetFetchOutput {
  errorCode: number;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      /** -1 when nothing is committed. */
      committedOffset: number;
      committedLeaderEpoch: number;
      metadata: string | null;
      errorCode: number;
    }[];
  }[];
}
