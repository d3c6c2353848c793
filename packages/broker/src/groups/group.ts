// The membership of one classic group: members, static instance ids, pending member ids, leader, protocol
// and generation (Kafka's GroupMetadata). Pure bookkeeping; timers and rebalancing live in rebalance.ts.
import type {
  DescribedGroup,
  JoinGroupMember,
  JoinGroupOutput,
  JoinGroupProtocol,
  SyncGroupOutput,
} from './coordinator-api.ts';
import type { Deadline } from './deadline-queue.ts';
import { ErrorCodes } from './error-codes.ts';
import { canTransition, type GroupState, IllegalGroupTransitionError } from './group-state.ts';
import { EMPTY_BYTES, type GroupMember } from './member.ts';

export function joinError(memberId: string, errorCode: number): JoinGroupOutput {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

export function syncError(errorCode: number): SyncGroupOutput {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export class ClassicGroup {
  readonly groupId: string;
  #state: GroupState = 'Empty';
  generationId = 0;
  /** Kept when the group empties, as Kafka does; replaced by the next first member's. */
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, GroupMember>();
  /** Member ids handed out with MEMBER_ID_REQUIRED and not used yet (KIP-394), with their expiry. */
  readonly pendingMembers = new Map<string, Deadline>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  readonly #staticMembers = new Map<string, string>();
  readonly #protocolVotes = new Map<string, number>();
  #awaitingJoin = 0;
  /** A member joined during the initial rebalance delay, which extends it. */
  newMemberAdded = false;
  /** The end of the join phase (rebalance timeout, or the initial delay). */
  joinDeadline: Deadline | null = null;
  /** The initial rebalance delay is running: the join phase ends only when it expires. */
  inInitialDelay = false;
  syncDeadline: Deadline | null = null;
  cleanupDeadline: Deadline | null = null;

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  get state(): GroupState {
    return this.#state;
  }

  is(state: GroupState): boolean {
    return this.#state === state;
  }

  transitionTo(state: GroupState): void {
    if (!canTransition(this.#state, state))
      throw new IllegalGroupTransitionError(this.groupId, this.#state, state);
    this.#state = state;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /**
   * Kafka's validateCurrentMember: with an instance id, it must map to this member id (else the caller is
   * an old, fenced instance); without, the member id must be known. Null when valid.
   */
  validateMember(memberId: string, groupInstanceId: string | null): number | null {
    if (groupInstanceId !== null) {
      const current = this.#staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCodes.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCodes.FENCED_INSTANCE_ID;
    }
    return this.members.has(memberId) ? null : ErrorCodes.UNKNOWN_MEMBER_ID;
  }

  staticMemberId(groupInstanceId: string): string | undefined {
    return this.#staticMembers.get(groupInstanceId);
  }

  get staticMemberCount(): number {
    return this.#staticMembers.size;
  }

  /** The longest rebalance timeout among the members: how long a join phase may last. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /**
   * Whether a member with these protocols may join: an empty group takes any non-empty protocol type and
   * list; otherwise the type must match and one protocol must be supported by every current member.
   */
  supportsProtocols(protocolType: string, protocols: JoinGroupProtocol[]): boolean {
    if (this.is('Empty') || this.members.size === 0) return protocolType !== '' && protocols.length > 0;
    return (
      this.protocolType === protocolType &&
      protocols.some((p) => this.#protocolVotes.get(p.name) === this.members.size)
    );
  }

  /** The protocol all members support that most members prefer (Kafka's vote; ties: first seen). */
  selectProtocol(): string {
    const candidates = new Set<string>();
    for (const [name, count] of this.#protocolVotes) if (count === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.vote(candidates);
      if (choice !== undefined) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestVotes = 0;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    if (best === undefined) throw new Error(`group '${this.groupId}' has no protocol common to all members`);
    return best;
  }

  add(member: GroupMember, joinWaiter: ((result: JoinGroupOutput) => void) | null): void {
    if (member.groupInstanceId !== null) this.#staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.#countVotes(member.protocols, 1);
    this.#setJoinWaiter(member, joinWaiter);
    this.pendingMembers.get(member.memberId)?.cancel();
    this.pendingMembers.delete(member.memberId);
  }

  /**
   * Removes a member; a response it still waits for is answered with UNKNOWN_MEMBER_ID so that no request
   * is left hanging. The leadership passes to the oldest remaining member.
   */
  remove(memberId: string): GroupMember | undefined {
    const member = this.members.get(memberId);
    if (member) {
      this.members.delete(memberId);
      this.#countVotes(member.protocols, -1);
      this.completeJoin(member, joinError('', ErrorCodes.UNKNOWN_MEMBER_ID));
      this.completeSync(member, syncError(ErrorCodes.UNKNOWN_MEMBER_ID));
      if (member.groupInstanceId !== null && this.#staticMembers.get(member.groupInstanceId) === memberId) {
        this.#staticMembers.delete(member.groupInstanceId);
      }
      member.sessionCheck?.cancel();
      member.sessionCheck = null;
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.pendingMembers.get(memberId)?.cancel();
    this.pendingMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    return member;
  }

  /**
   * A static member's new instance takes over the old member id (KIP-345): the old instance's waiting
   * JoinGroup/SyncGroup is answered with FENCED_INSTANCE_ID, and so is anything it sends later.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): GroupMember {
    const member = this.members.get(oldMemberId);
    if (!member) throw new Error(`static member ${oldMemberId} of group '${this.groupId}' is missing`);
    this.completeJoin(member, joinError(oldMemberId, ErrorCodes.FENCED_INSTANCE_ID));
    this.completeSync(member, syncError(ErrorCodes.FENCED_INSTANCE_ID));
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    this.#staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  /** A known member rejoins, possibly with new protocols and timeouts. */
  updateMember(
    member: GroupMember,
    update: { protocols: JoinGroupProtocol[]; rebalanceTimeoutMs: number; sessionTimeoutMs: number },
    joinWaiter: ((result: JoinGroupOutput) => void) | null,
  ): void {
    this.#countVotes(member.protocols, -1);
    member.protocols = update.protocols;
    this.#countVotes(member.protocols, 1);
    member.rebalanceTimeoutMs = update.rebalanceTimeoutMs;
    member.sessionTimeoutMs = update.sessionTimeoutMs;
    // A repeated JoinGroup (the client gave up on the first) supersedes the waiting one, which must still
    // be answered: responses on a connection go out in request order.
    this.completeJoin(member, joinError(member.memberId, ErrorCodes.REBALANCE_IN_PROGRESS));
    this.#setJoinWaiter(member, joinWaiter);
  }

  /** Answers the member's waiting JoinGroup, if any. */
  completeJoin(member: GroupMember, result: JoinGroupOutput): boolean {
    const waiter = member.joinWaiter;
    if (!waiter) return false;
    member.joinWaiter = null;
    this.#awaitingJoin--;
    waiter(result);
    return true;
  }

  /** Answers the member's waiting SyncGroup, if any. */
  completeSync(member: GroupMember, result: SyncGroupOutput): boolean {
    const waiter = member.syncWaiter;
    if (!waiter) return false;
    member.syncWaiter = null;
    waiter(result);
    return true;
  }

  /** Every member has rejoined and no member id handed out with MEMBER_ID_REQUIRED is still unused. */
  hasAllMembersJoined(): boolean {
    return this.members.size === this.#awaitingJoin && this.pendingMembers.size === 0;
  }

  notYetRejoined(): GroupMember[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  /** Keeps a leader that rejoined, else picks any member that did; false when none did. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.members.get(this.leaderId)?.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** Ends a join phase: next generation, protocol chosen, CompletingRebalance (or Empty without members). */
  initNextGeneration(): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo('CompletingRebalance');
    } else {
      this.protocolName = null;
      this.transitionTo('Empty');
    }
    this.pendingSyncMembers.clear();
  }

  currentMemberMetadata(): JoinGroupMember[] {
    const protocol = this.protocolName ?? '';
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadataFor(protocol),
    }));
  }

  /** The member's view of the current generation (the member list only for the leader). */
  joinResult(member: GroupMember): JoinGroupOutput {
    return {
      errorCode: ErrorCodes.NONE,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: this.isLeader(member.memberId) ? this.currentMemberMetadata() : [],
    };
  }

  /** As Kafka: protocol, metadata and assignments only while Stable. */
  describe(): DescribedGroup {
    const stable = this.is('Stable');
    const protocol = stable ? (this.protocolName ?? '') : '';
    return {
      errorCode: ErrorCodes.NONE,
      groupId: this.groupId,
      groupState: this.#state,
      protocolType: this.protocolType ?? '',
      protocolData: protocol,
      members: this.is('Dead')
        ? []
        : [...this.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: stable ? m.metadataFor(protocol) : EMPTY_BYTES,
            memberAssignment: stable ? m.assignment : EMPTY_BYTES,
          })),
    };
  }

  #setJoinWaiter(member: GroupMember, waiter: ((result: JoinGroupOutput) => void) | null): void {
    if (waiter && !member.joinWaiter) this.#awaitingJoin++;
    else if (!waiter && member.joinWaiter) this.#awaitingJoin--;
    member.joinWaiter = waiter;
  }

  #countVotes(protocols: JoinGroupProtocol[], delta: number): void {
    for (const name of new Set(protocols.map((p) => p.name))) {
      const count = (this.#protocolVotes.get(name) ?? 0) + delta;
      if (count === 0) this.#protocolVotes.delete(name);
      else this.#protocolVotes.set(name, count);
    }
  }
}
