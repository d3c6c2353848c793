// The rebalance machinery shared by every group request: join phase (with the rebalance timeout and the
// initial delay), generation completion, assignment propagation, pending-sync timeout, member sessions,
// MEMBER_ID_REQUIRED pending ids and the removal of empty groups. Follows Kafka's GroupCoordinator
// (classic protocol); where a purgatory operation completes there, a deadline fires here.
import type { Logger } from 'pino';
import type { DeadlineQueue } from './deadline-queue.ts';
import { ErrorCodes } from './error-codes.ts';
import { ClassicGroup, joinError, syncError } from './group.ts';
import { EMPTY_BYTES, type GroupMember } from './member.ts';

export interface RebalancerOptions {
  queue: DeadlineQueue;
  logger: Logger;
  initialRebalanceDelayMs: number;
  emptyGroupRetentionMs: number;
  /** Whether the group has committed offsets (such a group is kept while Empty). */
  hasOffsets: (groupId: string) => boolean;
}

export class Rebalancer {
  readonly groups = new Map<string, ClassicGroup>();
  readonly queue: DeadlineQueue;
  readonly logger: Logger;
  readonly #initialDelayMs: number;
  readonly #emptyGroupRetentionMs: number;
  readonly #hasOffsets: (groupId: string) => boolean;

  constructor(options: RebalancerOptions) {
    this.queue = options.queue;
    this.logger = options.logger;
    this.#initialDelayMs = options.initialRebalanceDelayMs;
    this.#emptyGroupRetentionMs = options.emptyGroupRetentionMs;
    this.#hasOffsets = options.hasOffsets;
  }

  now(): number {
    return this.queue.now();
  }

  getOrCreateGroup(groupId: string): ClassicGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new ClassicGroup(groupId);
      this.groups.set(groupId, group);
      this.scheduleCleanup(group);
    }
    return group;
  }

  // ---- sessions -------------------------------------------------------------------------------------

  /** The member was heard from: restart its session timeout. */
  touch(group: ClassicGroup, member: GroupMember): void {
    member.lastSeenMs = this.now();
    this.#scheduleSessionCheck(group, member);
  }

  #scheduleSessionCheck(group: ClassicGroup, member: GroupMember): void {
    const expiresAt = member.expiresAt();
    // Awaiting a response: look again after a session timeout (the join/sync phase decides meanwhile).
    const at = Number.isFinite(expiresAt) ? expiresAt : this.now() + member.sessionTimeoutMs;
    const current = member.sessionCheck;
    if (current && current.at <= at) return; // fires first and re-schedules itself from lastSeenMs
    current?.cancel();
    member.sessionCheck = this.queue.schedule(at, () => {
      member.sessionCheck = null;
      if (group.members.get(member.memberId) !== member) return;
      if (member.expiresAt() > this.now()) {
        this.#scheduleSessionCheck(group, member);
        return;
      }
      this.logger.info(
        { groupId: group.groupId, memberId: member.memberId, groupInstanceId: member.groupInstanceId },
        'member session expired',
      );
      this.removeMemberAndUpdateGroup(group, member, `session of member ${member.memberId} expired`);
    });
  }

  /** A member id handed out with MEMBER_ID_REQUIRED; forgotten unless used within the session timeout. */
  addPendingMember(group: ClassicGroup, memberId: string, sessionTimeoutMs: number): void {
    group.pendingMembers.set(
      memberId,
      this.queue.schedule(this.now() + sessionTimeoutMs, () => this.removePendingMember(group, memberId)),
    );
  }

  removePendingMember(group: ClassicGroup, memberId: string): void {
    const expiry = group.pendingMembers.get(memberId);
    if (!expiry) return;
    expiry.cancel();
    group.pendingMembers.delete(memberId);
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
    else this.scheduleCleanup(group);
  }

  /** Removes a member (left, expired or never synced) and rebalances the others. */
  removeMemberAndUpdateGroup(group: ClassicGroup, member: GroupMember, reason: string): void {
    group.remove(member.memberId);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, reason);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      case 'Empty':
      case 'Dead':
        break;
    }
  }

  // ---- join phase ----------------------------------------------------------------------------------

  maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty'))
      this.prepareRebalance(group, reason);
  }

  prepareRebalance(group: ClassicGroup, reason: string): void {
    // Members waiting for their assignment must rejoin instead.
    if (group.is('CompletingRebalance'))
      this.#resetAndPropagateAssignmentError(group, ErrorCodes.REBALANCE_IN_PROGRESS);
    group.syncDeadline?.cancel();
    group.syncDeadline = null;
    group.cleanupDeadline?.cancel();
    group.cleanupDeadline = null;
    const wasEmpty = group.is('Empty');
    group.transitionTo('PreparingRebalance');
    this.logger.info(
      { groupId: group.groupId, generationId: group.generationId, members: group.members.size, reason },
      'preparing to rebalance group',
    );
    group.joinDeadline?.cancel();
    if (wasEmpty && this.#initialDelayMs > 0) {
      group.newMemberAdded = false;
      group.inInitialDelay = true;
      this.#scheduleInitialDelay(
        group,
        this.#initialDelayMs,
        Math.max(group.rebalanceTimeoutMs() - this.#initialDelayMs, 0),
      );
    } else {
      group.inInitialDelay = false;
      this.#scheduleJoinTimeout(group);
      this.tryCompleteJoin(group);
    }
  }

  /**
   * Kafka's InitialDelayedJoin: the first rebalance of an empty group waits `delayMs`; while new members
   * keep arriving it waits again (at most the configured delay each time) until the rebalance timeout.
   */
  #scheduleInitialDelay(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    group.joinDeadline = this.queue.schedule(this.now() + delayMs, () => {
      group.joinDeadline = null;
      if (!group.is('PreparingRebalance')) return;
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const delay = Math.min(this.#initialDelayMs, remainingMs);
        this.#scheduleInitialDelay(group, delay, Math.max(remainingMs - delay, 0));
        return;
      }
      group.inInitialDelay = false;
      this.#completeJoin(group);
    });
  }

  #scheduleJoinTimeout(group: ClassicGroup): void {
    group.joinDeadline = this.queue.schedule(this.now() + group.rebalanceTimeoutMs(), () => {
      group.joinDeadline = null;
      if (group.is('PreparingRebalance')) this.#completeJoin(group);
    });
  }

  /** Ends the join phase early once every member has rejoined (never during the initial delay). */
  tryCompleteJoin(group: ClassicGroup): void {
    if (group.is('PreparingRebalance') && !group.inInitialDelay && group.hasAllMembersJoined())
      this.#completeJoin(group);
  }

  #completeJoin(group: ClassicGroup): void {
    group.joinDeadline?.cancel();
    group.joinDeadline = null;
    // Dynamic members that did not rejoin in time are out; static ones stay until their session expires.
    const dropped = group.notYetRejoined().filter((m) => !m.isStatic);
    for (const m of dropped) group.remove(m.memberId);
    if (dropped.length > 0) {
      this.logger.info(
        { groupId: group.groupId, memberIds: dropped.map((m) => m.memberId) },
        'removed members that did not rejoin in time',
      );
    }
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      // Only static members that have not rejoined remain: wait another round for them or their expiry.
      this.logger.warn({ groupId: group.groupId }, 'no member rejoined; waiting another rebalance timeout');
      this.#scheduleJoinTimeout(group);
      return;
    }
    group.initNextGeneration();
    if (group.is('Empty')) {
      this.logger.info({ groupId: group.groupId, generationId: group.generationId }, 'group is empty');
      this.scheduleCleanup(group);
      return;
    }
    this.logger.info(
      {
        groupId: group.groupId,
        generationId: group.generationId,
        protocol: group.protocolName,
        leader: group.leaderId,
        members: group.members.size,
      },
      'group generation formed',
    );
    for (const member of group.members.values()) {
      group.completeJoin(member, group.joinResult(member));
      member.isNew = false;
      this.touch(group, member);
      group.pendingSyncMembers.add(member.memberId);
    }
    this.#schedulePendingSync(group);
  }

  // ---- sync phase ----------------------------------------------------------------------------------

  /** Members that do not send SyncGroup within the rebalance timeout are removed (KAFKA-13216). */
  #schedulePendingSync(group: ClassicGroup): void {
    group.syncDeadline?.cancel();
    const generationId = group.generationId;
    group.syncDeadline = this.queue.schedule(this.now() + group.rebalanceTimeoutMs(), () => {
      group.syncDeadline = null;
      if (generationId !== group.generationId) return;
      if (!(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSyncMembers.size === 0)
        return;
      const missing = [...group.pendingSyncMembers];
      this.logger.info(
        { groupId: group.groupId, generationId, memberIds: missing },
        'members did not sync in time',
      );
      for (const memberId of missing) group.remove(memberId);
      this.maybePrepareRebalance(group, 'members did not send SyncGroup in time');
    });
  }

  /** The leader's assignment: every member gets its part (empty when left out) and the group is Stable. */
  completeSync(group: ClassicGroup, assignments: ReadonlyMap<string, Buffer>): void {
    const missing: string[] = [];
    for (const member of group.members.values()) {
      const assignment = assignments.get(member.memberId);
      if (assignment === undefined) missing.push(member.memberId);
      member.assignment = assignment ?? EMPTY_BYTES;
    }
    if (missing.length > 0) {
      this.logger.warn(
        { groupId: group.groupId, memberIds: missing },
        'leader left members out of the assignment',
      );
    }
    group.transitionTo('Stable');
    this.logger.info({ groupId: group.groupId, generationId: group.generationId }, 'group is stable');
    for (const member of group.members.values()) {
      const answered = group.completeSync(member, {
        errorCode: ErrorCodes.NONE,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        assignment: member.assignment,
      });
      if (answered) this.touch(group, member);
    }
  }

  #resetAndPropagateAssignmentError(group: ClassicGroup, errorCode: number): void {
    for (const member of group.members.values()) {
      member.assignment = EMPTY_BYTES;
      if (group.completeSync(member, syncError(errorCode))) this.touch(group, member);
    }
  }

  // ---- group lifetime ------------------------------------------------------------------------------

  /**
   * An Empty group without members, pending member ids or offsets is forgotten after a while (Kafka
   * removes such groups in its periodic offsets cleanup); it then reads as Dead.
   */
  scheduleCleanup(group: ClassicGroup): void {
    if (!group.is('Empty') || group.cleanupDeadline) return;
    group.cleanupDeadline = this.queue.schedule(this.now() + this.#emptyGroupRetentionMs, () => {
      group.cleanupDeadline = null;
      if (this.groups.get(group.groupId) !== group || !group.is('Empty')) return;
      if (group.members.size > 0 || group.pendingMembers.size > 0 || this.#hasOffsets(group.groupId)) return;
      group.transitionTo('Dead');
      this.groups.delete(group.groupId);
      this.logger.debug({ groupId: group.groupId }, 'empty group removed');
    });
  }

  /** The coordinator stops: every waiting JoinGroup/SyncGroup is answered and every group is Dead. */
  closeAll(errorCode: number): void {
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) {
        group.completeJoin(member, joinError(member.memberId, errorCode));
        group.completeSync(member, syncError(errorCode));
      }
      group.transitionTo('Dead');
    }
    this.groups.clear();
    this.queue.close();
  }
}
