// JoinGroup: new members (MEMBER_ID_REQUIRED for v4+, KIP-394), static members (KIP-345) and rejoining
// members, as Kafka's GroupCoordinator.handleJoinGroup. The response may wait for the join phase to end.
import { randomUUID } from 'node:crypto';
import type { JoinGroupInput, JoinGroupOutput } from './coordinator-api.ts';
import { ErrorCodes } from './error-codes.ts';
import { type ClassicGroup, joinError } from './group.ts';
import { GroupMember } from './member.ts';
import type { Rebalancer } from './rebalance.ts';

type Respond = (result: JoinGroupOutput) => void;

export interface SessionTimeoutLimits {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
}

export function joinGroup(
  r: Rebalancer,
  req: JoinGroupInput,
  limits: SessionTimeoutLimits,
): Promise<JoinGroupOutput> {
  if (req.groupId === '') return Promise.resolve(joinError(req.memberId, ErrorCodes.INVALID_GROUP_ID));
  if (
    req.sessionTimeoutMs < limits.minSessionTimeoutMs ||
    req.sessionTimeoutMs > limits.maxSessionTimeoutMs
  ) {
    return Promise.resolve(joinError(req.memberId, ErrorCodes.INVALID_SESSION_TIMEOUT));
  }
  const isNewMember = req.memberId === '';
  // A member id for a group that does not exist belongs to a previous life of the group.
  const group = isNewMember ? r.getOrCreateGroup(req.groupId) : r.groups.get(req.groupId);
  if (!group) return Promise.resolve(joinError(req.memberId, ErrorCodes.UNKNOWN_MEMBER_ID));
  const normalized = {
    ...req,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
  };
  return new Promise<JoinGroupOutput>((respond) => {
    const immediate = isNewMember
      ? joinNewMember(r, group, normalized, respond)
      : joinCurrentMember(r, group, normalized, respond);
    if (immediate) respond(immediate);
    r.tryCompleteJoin(group);
  });
}

/** An answer to send now, or null when `respond` will be called (at the end of the join phase). */
type Outcome = JoinGroupOutput | null;

function joinNewMember(r: Rebalancer, group: ClassicGroup, req: JoinGroupInput, respond: Respond): Outcome {
  if (group.is('Dead')) return joinError('', ErrorCodes.COORDINATOR_NOT_AVAILABLE);
  if (!group.supportsProtocols(req.protocolType, req.protocols)) {
    return joinError('', ErrorCodes.INCONSISTENT_GROUP_PROTOCOL);
  }
  // As Kafka: a static member's id starts with its instance id, a dynamic member's with its client id.
  const newMemberId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
  if (req.groupInstanceId !== null) {
    const oldMemberId = group.staticMemberId(req.groupInstanceId);
    if (oldMemberId === undefined) addMemberAndRebalance(r, group, req, newMemberId, respond);
    else replaceStaticMember(r, group, req, oldMemberId, newMemberId, respond);
    return null;
  }
  if (req.apiVersion >= 4) {
    // KIP-394: the client must come back with this id, so that a join retried after a lost response
    // does not leave an orphan member behind.
    r.addPendingMember(group, newMemberId, req.sessionTimeoutMs);
    r.logger.debug({ groupId: group.groupId, memberId: newMemberId }, 'member id required');
    return joinError(newMemberId, ErrorCodes.MEMBER_ID_REQUIRED);
  }
  addMemberAndRebalance(r, group, req, newMemberId, respond);
  return null;
}

function joinCurrentMember(
  r: Rebalancer,
  group: ClassicGroup,
  req: JoinGroupInput,
  respond: Respond,
): Outcome {
  const memberId = req.memberId;
  if (group.is('Dead')) return joinError(memberId, ErrorCodes.COORDINATOR_NOT_AVAILABLE);
  if (!group.supportsProtocols(req.protocolType, req.protocols)) {
    return joinError(memberId, ErrorCodes.INCONSISTENT_GROUP_PROTOCOL);
  }
  if (group.pendingMembers.has(memberId)) {
    // Pending ids are only handed to dynamic members; an instance id here is a confused client.
    if (req.groupInstanceId !== null) return joinError(memberId, ErrorCodes.UNKNOWN_MEMBER_ID);
    addMemberAndRebalance(r, group, req, memberId, respond);
    return null;
  }
  const error = group.validateMember(memberId, req.groupInstanceId);
  if (error !== null) return joinError(memberId, error);
  const member = group.members.get(memberId)!;
  r.touch(group, member);
  member.clientId = req.clientId;
  member.clientHost = req.clientHost;
  switch (group.state) {
    case 'PreparingRebalance':
      return updateMemberAndRebalance(r, group, member, req, respond, 'member rejoined during rebalance');
    case 'CompletingRebalance':
      // Same metadata: it probably lost the JoinGroup response; answer again for this generation.
      if (member.matches(req.protocols)) return group.joinResult(member);
      return updateMemberAndRebalance(r, group, member, req, respond, 'member changed its metadata');
    case 'Stable':
      // A leader's rejoin always rebalances: it may have seen changes that its metadata does not show
      // (for consumers, new partitions of subscribed topics).
      if (group.isLeader(memberId))
        return updateMemberAndRebalance(r, group, member, req, respond, 'leader rejoined');
      if (!member.matches(req.protocols)) {
        return updateMemberAndRebalance(r, group, member, req, respond, 'member changed its metadata');
      }
      return group.joinResult(member);
    case 'Empty':
    case 'Dead':
      return joinError(memberId, ErrorCodes.UNKNOWN_MEMBER_ID);
  }
}

function addMemberAndRebalance(
  r: Rebalancer,
  group: ClassicGroup,
  req: JoinGroupInput,
  memberId: string,
  respond: Respond,
): void {
  const member = new GroupMember({
    memberId,
    groupInstanceId: req.groupInstanceId,
    clientId: req.clientId,
    clientHost: req.clientHost,
    sessionTimeoutMs: req.sessionTimeoutMs,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols,
    now: r.now(),
  });
  member.isNew = true;
  if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
  group.add(member, respond);
  r.touch(group, member);
  r.logger.info(
    {
      groupId: group.groupId,
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      reason: req.reason,
    },
    'member joined',
  );
  r.maybePrepareRebalance(group, `new member ${memberId} joined`);
}

function updateMemberAndRebalance(
  r: Rebalancer,
  group: ClassicGroup,
  member: GroupMember,
  req: JoinGroupInput,
  respond: Respond,
  reason: string,
): null {
  group.updateMember(member, req, respond);
  r.maybePrepareRebalance(group, req.reason ? `${reason} (${req.reason})` : reason);
  return null;
}

/**
 * KIP-345: a static member restarted (same instance id, no member id). It takes over the old member's
 * place under a new id and the old id is fenced. A Stable group whose chosen protocol does not change is
 * not rebalanced: the member gets the current generation and fetches its old assignment with SyncGroup.
 * As Kafka, only the chosen protocol is compared, not the metadata: assignors that put owned partitions
 * in the metadata (sticky, cooperative) would otherwise rebalance on every restart.
 */
function replaceStaticMember(
  r: Rebalancer,
  group: ClassicGroup,
  req: JoinGroupInput,
  oldMemberId: string,
  newMemberId: string,
  respond: Respond,
): void {
  const instanceId = req.groupInstanceId!;
  const previousLeader = group.leaderId;
  const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
  member.clientId = req.clientId;
  member.clientHost = req.clientHost;
  r.logger.info(
    { groupId: group.groupId, groupInstanceId: instanceId, oldMemberId, newMemberId },
    'static member replaced',
  );
  group.updateMember(member, req, respond);
  switch (group.state) {
    case 'Stable':
      if (group.protocolName === group.selectProtocol()) {
        // The leader id stays the old one in the response so that a replaced leader does not compute an
        // assignment that a Stable group would never hand out (Kafka before KIP-814's skipAssignment).
        group.completeJoin(member, {
          ...group.joinResult(member),
          leader: previousLeader ?? '',
          members: [],
        });
      } else {
        r.maybePrepareRebalance(group, `static member ${instanceId} rejoined with another protocol`);
      }
      break;
    case 'CompletingRebalance':
      // The leader may be computing an assignment for the old member id: start over.
      r.prepareRebalance(group, `static member ${instanceId} rejoined during CompletingRebalance`);
      break;
    case 'PreparingRebalance':
      break;
    case 'Empty':
    case 'Dead':
      throw new Error(`group '${group.groupId}' in state ${group.state} has static member ${instanceId}`);
  }
  r.touch(group, member);
}
