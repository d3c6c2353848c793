// One member of a classic group: identity, timeouts, supported protocols, assignment and the JoinGroup /
// SyncGroup responses it is waiting for (Kafka's MemberMetadata).
import type { JoinGroupOutput, JoinGroupProtocol, SyncGroupOutput } from './coordinator-api.ts';
import type { Deadline } from './deadline-queue.ts';

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

/**
 * A new member's JoinGroup may wait this long before the member is dropped (Kafka's
 * NewMemberJoinTimeoutMs): its session timer cannot run as it has no member id to heartbeat with yet.
 */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export interface MemberInit {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: JoinGroupProtocol[];
  now: number;
}

export class GroupMember {
  /** Changes only when a static member is replaced by a new instance (KIP-345). */
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  readonly protocolType: string;
  protocols: JoinGroupProtocol[];
  assignment: Buffer = EMPTY_BYTES;
  /** Last JoinGroup, SyncGroup, Heartbeat or OffsetCommit from this member (coordinator clock). */
  lastSeenMs: number;
  /** Joined in the current rebalance and has not received a JoinGroup response yet. */
  isNew = false;
  joinWaiter: ((result: JoinGroupOutput) => void) | null = null;
  syncWaiter: ((result: SyncGroupOutput) => void) | null = null;
  /** The pending session check in the deadline queue, if any. */
  sessionCheck: Deadline | null = null;

  constructor(init: MemberInit) {
    this.memberId = init.memberId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.protocolType = init.protocolType;
    this.protocols = init.protocols;
    this.lastSeenMs = init.now;
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.joinWaiter !== null;
  }

  get isAwaitingSync(): boolean {
    return this.syncWaiter !== null;
  }

  /**
   * When the member expires if nothing is heard from it. A member waiting for its JoinGroup or SyncGroup
   * response cannot heartbeat: the join and sync phases time it out instead (a new member: after
   * NEW_MEMBER_JOIN_TIMEOUT_MS), as in Kafka's MemberMetadata.shouldKeepAlive.
   */
  expiresAt(): number {
    if (this.isAwaitingJoin)
      return this.isNew ? this.lastSeenMs + NEW_MEMBER_JOIN_TIMEOUT_MS : Number.POSITIVE_INFINITY;
    if (this.isAwaitingSync) return Number.POSITIVE_INFINITY;
    return this.lastSeenMs + this.sessionTimeoutMs;
  }

  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BYTES;
  }

  /** Same protocols, in the same order, with the same metadata. */
  matches(protocols: JoinGroupProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every(
      (p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata),
    );
  }

  /** The member's most preferred protocol among the candidates. */
  vote(candidates: ReadonlySet<string>): string | undefined {
    return this.protocols.find((p) => candidates.has(p.name))?.name;
  }
}
