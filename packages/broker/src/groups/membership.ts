// SyncGroup, Heartbeat and LeaveGroup of the classic protocol, as Kafka's GroupCoordinator handles them.
import type {
  HeartbeatInput,
  LeaveGroupInput,
  LeaveGroupOutput,
  SyncGroupInput,
  SyncGroupOutput,
} from './coordinator-api.ts';
import { ErrorCodes } from './error-codes.ts';
import { type ClassicGroup, syncError } from './group.ts';
import type { Rebalancer } from './rebalance.ts';

function validateSync(group: ClassicGroup, req: SyncGroupInput): number | null {
  if (group.is('Dead')) return ErrorCodes.COORDINATOR_NOT_AVAILABLE;
  const memberError = group.validateMember(req.memberId, req.groupInstanceId);
  if (memberError !== null) return memberError;
  if (req.generationId !== group.generationId) return ErrorCodes.ILLEGAL_GENERATION;
  // v5 (KIP-559): the client says which protocol it synced for.
  if (req.protocolType !== null && req.protocolType !== group.protocolType)
    return ErrorCodes.INCONSISTENT_GROUP_PROTOCOL;
  if (req.protocolName !== null && req.protocolName !== group.protocolName)
    return ErrorCodes.INCONSISTENT_GROUP_PROTOCOL;
  return null;
}

/** Followers wait for the leader's assignment; in a Stable group everyone gets theirs at once. */
export function syncGroup(r: Rebalancer, req: SyncGroupInput): Promise<SyncGroupOutput> {
  if (req.groupId === '') return Promise.resolve(syncError(ErrorCodes.INVALID_GROUP_ID));
  const group = r.groups.get(req.groupId);
  if (!group) return Promise.resolve(syncError(ErrorCodes.UNKNOWN_MEMBER_ID));
  const error = validateSync(group, req);
  if (error !== null) return Promise.resolve(syncError(error));
  const member = group.members.get(req.memberId)!;
  switch (group.state) {
    case 'Empty':
      return Promise.resolve(syncError(ErrorCodes.UNKNOWN_MEMBER_ID));
    case 'PreparingRebalance':
      return Promise.resolve(syncError(ErrorCodes.REBALANCE_IN_PROGRESS));
    case 'CompletingRebalance':
      return new Promise<SyncGroupOutput>((respond) => {
        // A repeated SyncGroup supersedes the waiting one, which is still answered (in-order responses).
        group.completeSync(member, syncError(ErrorCodes.REBALANCE_IN_PROGRESS));
        member.syncWaiter = respond;
        group.pendingSyncMembers.delete(req.memberId);
        r.touch(group, member);
        if (group.isLeader(req.memberId)) {
          r.logger.info(
            {
              groupId: group.groupId,
              generationId: group.generationId,
              members: group.members.size,
              staticMembers: group.staticMemberCount,
            },
            'assignment received from the leader',
          );
          const assignments = new Map<string, Buffer>();
          for (const a of req.assignments) assignments.set(a.memberId, a.assignment);
          r.completeSync(group, assignments);
        }
      });
    case 'Stable':
      group.pendingSyncMembers.delete(req.memberId);
      r.touch(group, member);
      return Promise.resolve({
        errorCode: ErrorCodes.NONE,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        assignment: member.assignment,
      });
    case 'Dead':
      return Promise.resolve(syncError(ErrorCodes.COORDINATOR_NOT_AVAILABLE));
  }
}

/** Keeps the session alive; REBALANCE_IN_PROGRESS tells the member to rejoin. */
export function heartbeat(r: Rebalancer, req: HeartbeatInput): { errorCode: number } {
  if (req.groupId === '') return { errorCode: ErrorCodes.INVALID_GROUP_ID };
  const group = r.groups.get(req.groupId);
  if (!group) return { errorCode: ErrorCodes.UNKNOWN_MEMBER_ID };
  if (group.is('Dead')) return { errorCode: ErrorCodes.COORDINATOR_NOT_AVAILABLE };
  const memberError = group.validateMember(req.memberId, req.groupInstanceId);
  if (memberError !== null) return { errorCode: memberError };
  if (req.generationId !== group.generationId) return { errorCode: ErrorCodes.ILLEGAL_GENERATION };
  const member = group.members.get(req.memberId)!;
  switch (group.state) {
    case 'Empty':
    case 'Dead':
      return { errorCode: ErrorCodes.UNKNOWN_MEMBER_ID };
    case 'PreparingRebalance':
      r.touch(group, member);
      return { errorCode: ErrorCodes.REBALANCE_IN_PROGRESS };
    case 'CompletingRebalance':
    case 'Stable':
      r.touch(group, member);
      return { errorCode: ErrorCodes.NONE };
  }
}

/**
 * Removes members by member id, by instance id alone (administrative removal of a static member, KIP-345)
 * or a pending member id; each gets its own error code. The others rebalance.
 */
export function leaveGroup(r: Rebalancer, req: LeaveGroupInput): LeaveGroupOutput {
  if (req.groupId === '') return { errorCode: ErrorCodes.INVALID_GROUP_ID, members: [] };
  const group = r.groups.get(req.groupId);
  const result = (m: LeaveGroupInput['members'][number], errorCode: number) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    errorCode,
  });
  if (!group) {
    return {
      errorCode: ErrorCodes.NONE,
      members: req.members.map((m) => result(m, ErrorCodes.UNKNOWN_MEMBER_ID)),
    };
  }
  if (group.is('Dead')) return { errorCode: ErrorCodes.COORDINATOR_NOT_AVAILABLE, members: [] };
  const members = req.members.map((leaving) => {
    let memberId = leaving.memberId;
    if (memberId === '') {
      const current =
        leaving.groupInstanceId === null ? undefined : group.staticMemberId(leaving.groupInstanceId);
      if (current === undefined) return result(leaving, ErrorCodes.UNKNOWN_MEMBER_ID);
      memberId = current;
    } else if (group.pendingMembers.has(memberId)) {
      r.removePendingMember(group, memberId);
      return result(leaving, ErrorCodes.NONE);
    } else {
      const error = group.validateMember(memberId, leaving.groupInstanceId);
      if (error !== null) return result(leaving, error);
    }
    const member = group.members.get(memberId)!;
    r.logger.info(
      { groupId: group.groupId, memberId, groupInstanceId: member.groupInstanceId, reason: leaving.reason },
      'member left',
    );
    r.removeMemberAndUpdateGroup(group, member, `member ${memberId} left`);
    return result(leaving, ErrorCodes.NONE);
  });
  return { errorCode: ErrorCodes.NONE, members };
}
