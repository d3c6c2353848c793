// The group coordinator of the broker (which coordinates every group, being the only node): classic
// consumer-group membership and rebalancing, and committed offsets. Wire-independent: the request
// handlers translate Kafka requests into these calls.
//
// Differences from Kafka: membership is kept in memory only (Kafka also persists it in
// __consumer_offsets). After a restart every group with committed offsets exists again as Empty at
// generation 0; its members are answered UNKNOWN_MEMBER_ID and rejoin, as they would after a
// coordinator move. Pending JoinGroup/SyncGroup requests are answered with COORDINATOR_NOT_AVAILABLE on
// close (Kafka drops them with the connection). KIP-848 (the consumer protocol) is not served.
import type {
  DescribedGroup,
  GroupCoordinatorConfig,
  HeartbeatInput,
  JoinGroupInput,
  JoinGroupOutput,
  LeaveGroupInput,
  LeaveGroupOutput,
  ListedGroup,
  OffsetCommitInput,
  OffsetCommitOutput,
  OffsetFetchOutput,
  SyncGroupInput,
  SyncGroupOutput,
} from './coordinator-api.ts';
import { DeadlineQueue, systemTimers, type TimerSource } from './deadline-queue.ts';
import { ErrorCodes } from './error-codes.ts';
import { type ClassicGroup, joinError, syncError } from './group.ts';
import { GROUP_STATES, type GroupState } from './group-state.ts';
import { joinGroup, type SessionTimeoutLimits } from './join-group.ts';
import { heartbeat, leaveGroup, syncGroup } from './membership.ts';
import { type OffsetCommitEntry, OffsetStore } from './offset-store.ts';
import { Rebalancer } from './rebalance.ts';
import { subscribedTopics } from './subscribed-topics.ts';

/** Kafka's offset.metadata.max.bytes (checked, as Kafka does, on the string length). */
export const MAX_OFFSET_METADATA_LENGTH = 4096;

export class GroupCoordinatorConfigError extends Error {
  readonly code = 'INVALID_GROUP_COORDINATOR_CONFIG';

  constructor(message: string) {
    super(message);
    this.name = 'GroupCoordinatorConfigError';
  }
}

interface Settings extends SessionTimeoutLimits {
  initialRebalanceDelayMs: number;
  emptyGroupRetentionMs: number;
}

function checkConfig(config: GroupCoordinatorConfig): Settings {
  const resolved = {
    minSessionTimeoutMs: config.minSessionTimeoutMs ?? 6000,
    maxSessionTimeoutMs: config.maxSessionTimeoutMs ?? 1_800_000,
    initialRebalanceDelayMs: config.initialRebalanceDelayMs ?? 0,
    emptyGroupRetentionMs: config.emptyGroupRetentionMs ?? 600_000,
  };
  const problems: string[] = [];
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 0)
      problems.push(`${name} must be a non-negative integer (got ${value})`);
  }
  if (resolved.minSessionTimeoutMs > resolved.maxSessionTimeoutMs) {
    problems.push('minSessionTimeoutMs must not exceed maxSessionTimeoutMs');
  }
  if (problems.length > 0) throw new GroupCoordinatorConfigError(problems.join('; '));
  return resolved;
}

export class GroupCoordinator {
  readonly #rebalancer: Rebalancer;
  readonly #store: OffsetStore;
  readonly #limits: SessionTimeoutLimits;
  readonly #wallNow: () => number;
  #closing: Promise<void> | null = null;

  private constructor(
    rebalancer: Rebalancer,
    store: OffsetStore,
    limits: SessionTimeoutLimits,
    wallNow: () => number,
  ) {
    this.#rebalancer = rebalancer;
    this.#store = store;
    this.#limits = limits;
    this.#wallNow = wallNow;
  }

  static async open(config: GroupCoordinatorConfig): Promise<GroupCoordinator> {
    const settings = checkConfig(config);
    const logger = config.logger;
    const store = await OffsetStore.open({
      dir: config.dataDir,
      logger,
      fs: config.fs,
      compactMinBytes: config.offsetsCompactMinBytes,
      compactRatio: config.offsetsCompactRatio,
    });
    const timers: TimerSource =
      config.timers ?? (config.now ? { ...systemTimers, now: config.now } : systemTimers);
    const rebalancer = new Rebalancer({
      queue: new DeadlineQueue(timers, logger),
      logger,
      initialRebalanceDelayMs: settings.initialRebalanceDelayMs,
      emptyGroupRetentionMs: settings.emptyGroupRetentionMs,
      hasOffsets: (groupId) => store.hasOffsets(groupId),
    });
    // Groups with committed offsets exist (Empty) across restarts, as they do in Kafka.
    for (const groupId of store.groupIds()) rebalancer.getOrCreateGroup(groupId);
    return new GroupCoordinator(rebalancer, store, settings, config.now ?? Date.now);
  }

  get #closed(): boolean {
    return this.#closing !== null;
  }

  joinGroup(req: JoinGroupInput): Promise<JoinGroupOutput> {
    if (this.#closed) return Promise.resolve(joinError(req.memberId, ErrorCodes.COORDINATOR_NOT_AVAILABLE));
    return joinGroup(this.#rebalancer, req, this.#limits);
  }

  syncGroup(req: SyncGroupInput): Promise<SyncGroupOutput> {
    if (this.#closed) return Promise.resolve(syncError(ErrorCodes.COORDINATOR_NOT_AVAILABLE));
    return syncGroup(this.#rebalancer, req);
  }

  heartbeat(req: HeartbeatInput): { errorCode: number } {
    if (this.#closed) return { errorCode: ErrorCodes.COORDINATOR_NOT_AVAILABLE };
    return heartbeat(this.#rebalancer, req);
  }

  leaveGroup(req: LeaveGroupInput): LeaveGroupOutput {
    if (this.#closed) return { errorCode: ErrorCodes.COORDINATOR_NOT_AVAILABLE, members: [] };
    return leaveGroup(this.#rebalancer, req);
  }

  /** Unknown groups are described as Dead with no error, as Kafka does. */
  describeGroups(groupIds: string[]): DescribedGroup[] {
    return groupIds.map((groupId) => {
      if (this.#closed) {
        return {
          errorCode: ErrorCodes.COORDINATOR_NOT_AVAILABLE,
          groupId,
          groupState: '',
          protocolType: '',
          protocolData: '',
          members: [],
        };
      }
      const group = this.#rebalancer.groups.get(groupId);
      if (group) return group.describe();
      return {
        errorCode: ErrorCodes.NONE,
        groupId,
        groupState: 'Dead',
        protocolType: '',
        protocolData: '',
        members: [],
      };
    });
  }

  /** Every group, or those in the given states (KIP-518; case-insensitive as in Kafka). */
  listGroups(statesFilter?: string[]): ListedGroup[] {
    if (this.#closed) return [];
    const states =
      statesFilter && statesFilter.length > 0 ? new Set(statesFilter.map((s) => s.toLowerCase())) : null;
    const listed: ListedGroup[] = [];
    for (const group of this.#rebalancer.groups.values()) {
      if (states && !states.has(group.state.toLowerCase())) continue;
      listed.push({
        groupId: group.groupId,
        protocolType: group.protocolType ?? '',
        groupState: group.state,
      });
    }
    return listed;
  }

  /**
   * Stores the offsets; resolves once they are durable. Members of a group using group management must
   * name their generation; generation -1 without member id is a commit from outside group management,
   * accepted while the group has no members (Kafka's validateOffsetCommit).
   */
  async commitOffsets(req: OffsetCommitInput): Promise<OffsetCommitOutput> {
    const all = (errorCode: number): OffsetCommitOutput =>
      req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      }));
    if (this.#closed) return all(ErrorCodes.COORDINATOR_NOT_AVAILABLE);
    let group = this.#rebalancer.groups.get(req.groupId);
    if (!group) {
      // A generation for a group that does not exist comes from a previous life of the group.
      if (req.generationId >= 0) return all(ErrorCodes.ILLEGAL_GENERATION);
      group = this.#rebalancer.getOrCreateGroup(req.groupId);
    }
    const error = this.#validateCommit(group, req);
    if (error !== null) return all(error);

    const commitTimestamp = this.#wallNow();
    const entries: OffsetCommitEntry[] = [];
    const output = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        let errorCode: number = ErrorCodes.NONE;
        if (p.committedMetadata !== null && p.committedMetadata.length > MAX_OFFSET_METADATA_LENGTH) {
          errorCode = ErrorCodes.OFFSET_METADATA_TOO_LARGE;
        } else if (!Number.isSafeInteger(p.committedOffset)) {
          // Beyond 2^53 a number no longer holds an exact offset.
          errorCode = ErrorCodes.INVALID_COMMIT_OFFSET_SIZE;
        } else {
          entries.push({
            topic: t.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata ?? '',
            commitTimestamp,
          });
        }
        return { partitionIndex: p.partitionIndex, errorCode };
      }),
    }));
    if (entries.length === 0) return output;
    try {
      await this.#store.commit(req.groupId, entries);
      // An Empty group may have been forgotten while the commit was being written: it has offsets now.
      if (!this.#closed) this.#rebalancer.getOrCreateGroup(req.groupId);
    } catch {
      // Already logged by the store; the client retries.
      for (const t of output) {
        for (const p of t.partitions)
          if (p.errorCode === ErrorCodes.NONE) p.errorCode = ErrorCodes.COORDINATOR_NOT_AVAILABLE;
      }
    }
    return output;
  }

  #validateCommit(group: ClassicGroup, req: OffsetCommitInput): number | null {
    if (group.is('Dead')) return ErrorCodes.COORDINATOR_NOT_AVAILABLE;
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      const memberError = group.validateMember(req.memberId, req.groupInstanceId);
      if (memberError !== null) return memberError;
      if (req.generationId !== group.generationId) return ErrorCodes.ILLEGAL_GENERATION;
    } else if (!group.is('Empty')) {
      // Once the group has members, only they may commit.
      return ErrorCodes.UNKNOWN_MEMBER_ID;
    }
    switch (group.state) {
      case 'CompletingRebalance':
        // The member has its new generation but not its assignment yet.
        return ErrorCodes.REBALANCE_IN_PROGRESS;
      case 'Stable':
      case 'PreparingRebalance': {
        // Allowed while preparing: the heartbeat tells the member to rejoin.
        const member = group.members.get(req.memberId);
        if (member) this.#rebalancer.touch(group, member);
        return null;
      }
      default:
        return null;
    }
  }

  /** Committed offsets (-1 where none); `topics` null asks for every offset the group committed. */
  fetchOffsets(
    groupId: string,
    topics: { name: string; partitionIndexes: number[] }[] | null,
  ): OffsetFetchOutput {
    if (this.#closed) {
      const errorCode = ErrorCodes.COORDINATOR_NOT_AVAILABLE;
      return {
        errorCode,
        topics: (topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => ({
            partitionIndex,
            committedOffset: -1,
            committedLeaderEpoch: -1,
            metadata: '',
            errorCode,
          })),
        })),
      };
    }
    if (topics === null) {
      const committed = this.#store.groupOffsets(groupId);
      return {
        errorCode: ErrorCodes.NONE,
        topics: [...(committed ?? [])].map(([name, partitions]) => ({
          name,
          partitions: [...partitions].map(([partitionIndex, c]) => ({
            partitionIndex,
            committedOffset: c.offset,
            committedLeaderEpoch: c.leaderEpoch,
            metadata: c.metadata,
            errorCode: ErrorCodes.NONE,
          })),
        })),
      };
    }
    return {
      errorCode: ErrorCodes.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          const c = this.#store.get(groupId, t.name, partitionIndex);
          return {
            partitionIndex,
            committedOffset: c?.offset ?? -1,
            committedLeaderEpoch: c?.leaderEpoch ?? -1,
            metadata: c?.metadata ?? '',
            errorCode: ErrorCodes.NONE,
          };
        }),
      })),
    };
  }

  /** How many groups are in each state (what the broker's metrics report). */
  groupStates(): Map<GroupState, number> {
    const counts = new Map<GroupState, number>(GROUP_STATES.map((state) => [state, 0]));
    if (this.#closed) return counts;
    for (const group of this.#rebalancer.groups.values())
      counts.set(group.state, (counts.get(group.state) ?? 0) + 1);
    return counts;
  }

  /** Every group's committed offsets, by topic and partition (read when metrics are scraped). */
  *committedOffsets(): Generator<{ groupId: string; topic: string; partition: number; offset: number }> {
    if (this.#closed) return;
    for (const groupId of this.#store.groupIds()) {
      for (const [topic, partitions] of this.#store.groupOffsets(groupId) ?? []) {
        for (const [partition, committed] of partitions)
          yield { groupId, topic, partition, offset: committed.offset };
      }
    }
  }

  /**
   * Forgets every group's offsets for a deleted topic. Never rejects: a failure is logged (the offsets
   * then come back after a restart, for a topic that no longer exists).
   */
  async deleteTopicOffsets(topic: string): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#store.deleteTopic(topic);
    } catch (err) {
      this.#rebalancer.logger.error({ err, topic }, 'could not forget the offsets of a deleted topic');
      return;
    }
    for (const group of this.#rebalancer.groups.values()) this.#rebalancer.scheduleCleanup(group);
  }

  /**
   * Deletes groups and their committed offsets (DeleteGroups): only a group without members may go
   * (NON_EMPTY_GROUP otherwise), an unknown one is GROUP_ID_NOT_FOUND. Resolves once the deletion is
   * durable; a group whose offsets could not be forgotten answers COORDINATOR_NOT_AVAILABLE and may be
   * deleted again.
   */
  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    return Promise.all(
      groupIds.map(async (groupId) => ({ groupId, errorCode: await this.#deleteGroup(groupId) })),
    );
  }

  async #deleteGroup(groupId: string): Promise<number> {
    if (this.#closed) return ErrorCodes.COORDINATOR_NOT_AVAILABLE;
    if (groupId === '') return ErrorCodes.INVALID_GROUP_ID;
    const group = this.#rebalancer.groups.get(groupId);
    if (group && (!group.is('Empty') || group.members.size > 0)) return ErrorCodes.NON_EMPTY_GROUP;
    if (!group && !this.#store.hasOffsets(groupId)) return ErrorCodes.GROUP_ID_NOT_FOUND;
    if (group) {
      // Dead at once, so that a JoinGroup arriving while the deletion is written starts a new group.
      group.cleanupDeadline?.cancel();
      group.cleanupDeadline = null;
      for (const expiry of group.pendingMembers.values()) expiry.cancel();
      group.pendingMembers.clear();
      group.transitionTo('Dead');
      this.#rebalancer.groups.delete(groupId);
    }
    // Written even when no offsets are stored yet: a commit still being written is ordered before it in
    // the journal, and goes with the group.
    try {
      await this.#store.deleteGroup(groupId);
    } catch (err) {
      this.#rebalancer.logger.error({ err, groupId }, 'could not delete the offsets of a group');
      return ErrorCodes.COORDINATOR_NOT_AVAILABLE;
    }
    this.#rebalancer.logger.info({ groupId }, 'group deleted');
    return ErrorCodes.NONE;
  }

  /**
   * Deletes some committed offsets of a group (OffsetDelete, KIP-496). A group with members keeps the
   * offsets of topics they consume (GROUP_SUBSCRIBED_TO_TOPIC); a group with members that does not use
   * the consumer protocol keeps all of them (NON_EMPTY_GROUP).
   */
  async deleteOffsets(
    groupId: string,
    topics: { name: string; partitionIndexes: number[] }[],
  ): Promise<{
    errorCode: number;
    topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
  }> {
    const all = (errorCode: number) => ({ errorCode, topics: [] });
    if (this.#closed) return all(ErrorCodes.COORDINATOR_NOT_AVAILABLE);
    if (groupId === '') return all(ErrorCodes.INVALID_GROUP_ID);
    const group = this.#rebalancer.groups.get(groupId);
    if (!group || group.is('Dead')) return all(ErrorCodes.GROUP_ID_NOT_FOUND);
    if (group.members.size > 0 && group.protocolType !== 'consumer') return all(ErrorCodes.NON_EMPTY_GROUP);
    const consumed = subscribedTopics(group);
    const deletable: { name: string; partitions: number[] }[] = [];
    const output = topics.map((t) => {
      const subscribed = consumed === null || consumed.has(t.name);
      if (!subscribed) {
        const stored = t.partitionIndexes.filter((p) => this.#store.get(groupId, t.name, p) !== undefined);
        if (stored.length > 0) deletable.push({ name: t.name, partitions: stored });
      }
      const errorCode = subscribed ? ErrorCodes.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCodes.NONE;
      return {
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })),
      };
    });
    if (deletable.length === 0) return { errorCode: ErrorCodes.NONE, topics: output };
    try {
      await this.#store.deleteOffsets(groupId, deletable);
    } catch (err) {
      this.#rebalancer.logger.error({ err, groupId }, 'could not delete committed offsets');
      return all(ErrorCodes.COORDINATOR_NOT_AVAILABLE);
    }
    // A group left with neither members nor offsets is forgotten after a while, as any empty group.
    if (!this.#closed) this.#rebalancer.scheduleCleanup(group);
    return { errorCode: ErrorCodes.NONE, topics: output };
  }

  /**
   * Stops timers, answers every waiting JoinGroup/SyncGroup with COORDINATOR_NOT_AVAILABLE (the client
   * looks for the coordinator again), waits for commits in flight to be durable and closes the journal.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#rebalancer.closeAll(ErrorCodes.COORDINATOR_NOT_AVAILABLE);
      await this.#store.close();
    })();
    return this.#closing;
  }
}
