import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes } from '../../src/groups/index.ts';
import { isPending, joinInput, openCoordinator, settledNow, stableGroup } from './coordinator-fixture.ts';

const sync = (
  memberId: string,
  generationId: number,
  assignments: { memberId: string; assignment: Buffer }[] = [],
) => ({
  groupId: 'g',
  generationId,
  memberId,
  groupInstanceId: null,
  protocolType: null,
  protocolName: null,
  assignments,
});

describe('join and sync', () => {
  it('forms one generation with both members when they join within the initial rebalance delay', async (t) => {
    const coordinator = await openCoordinator(t, { initialRebalanceDelayMs: 100 });
    const a = coordinator.joinGroup(
      joinInput({ clientId: 'a', protocols: [{ name: 'range', metadata: Buffer.from('meta-a') }] }),
    );
    const b = coordinator.joinGroup(
      joinInput({ clientId: 'b', protocols: [{ name: 'range', metadata: Buffer.from('meta-b') }] }),
    );
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.errorCode, 0);
    assert.equal(rb.errorCode, 0);
    assert.equal(ra.generationId, 1);
    assert.equal(rb.generationId, 1);
    assert.equal(ra.leader, ra.memberId, 'the first member to join leads');
    assert.equal(rb.leader, ra.memberId);
    assert.equal(ra.protocolName, 'range');
    assert.equal(ra.protocolType, 'consumer');
    assert.match(ra.memberId, /^a-[0-9a-f-]{36}$/);
    assert.deepEqual(
      ra.members.map((m) => [m.memberId, m.metadata.toString()]),
      [
        [ra.memberId, 'meta-a'],
        [rb.memberId, 'meta-b'],
      ],
    );
    assert.deepEqual(rb.members, [], 'followers do not get the member list');

    // The follower's SyncGroup waits for the leader's assignment.
    const followerSync = coordinator.syncGroup(sync(rb.memberId, 1));
    assert.equal(await isPending(followerSync), true);
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'CompletingRebalance');
    const leaderSync = await coordinator.syncGroup(
      sync(ra.memberId, 1, [
        { memberId: ra.memberId, assignment: Buffer.from('for-a') },
        { memberId: rb.memberId, assignment: Buffer.from('for-b') },
      ]),
    );
    assert.equal(leaderSync.errorCode, 0);
    assert.equal(leaderSync.assignment.toString(), 'for-a');
    assert.equal(leaderSync.protocolName, 'range');
    const followerResult = await followerSync;
    assert.equal(followerResult.errorCode, 0);
    assert.equal(followerResult.assignment.toString(), 'for-b');
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'Stable');
    // Once Stable, a SyncGroup is answered at once with the member's assignment.
    const again = await settledNow(coordinator.syncGroup(sync(rb.memberId, 1)));
    assert.equal(again.assignment.toString(), 'for-b');
  });

  it('makes existing members rejoin through heartbeats when a third member joins, then forms a new generation', async (t) => {
    const coordinator = await openCoordinator(t);
    const { members, generationId, leader } = await stableGroup(coordinator, 2);
    for (const memberId of members) {
      assert.equal(
        coordinator.heartbeat({ groupId: 'g', generationId, memberId, groupInstanceId: null }).errorCode,
        0,
      );
    }

    const third = coordinator.joinGroup(joinInput({ clientId: 'c' }));
    assert.equal(await isPending(third), true, 'the newcomer waits for the others to rejoin');
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'PreparingRebalance');
    for (const memberId of members) {
      const hb = coordinator.heartbeat({ groupId: 'g', generationId, memberId, groupInstanceId: null });
      assert.equal(hb.errorCode, ErrorCodes.REBALANCE_IN_PROGRESS);
    }
    // A SyncGroup now is refused the same way.
    const refused = await coordinator.syncGroup(sync(members[1], generationId));
    assert.equal(refused.errorCode, ErrorCodes.REBALANCE_IN_PROGRESS);

    const rejoinA = coordinator.joinGroup(joinInput({ memberId: members[0] }));
    assert.equal(await isPending(third), true, 'one member has not rejoined yet');
    const rejoinB = coordinator.joinGroup(joinInput({ memberId: members[1] }));
    const [r3, ra, rb] = await Promise.all([third, rejoinA, rejoinB]);
    for (const r of [r3, ra, rb]) {
      assert.equal(r.errorCode, 0);
      assert.equal(r.generationId, generationId + 1);
      assert.equal(r.leader, leader, 'the leader keeps its role');
    }
    assert.equal(ra.members.length, 3);
    assert.deepEqual(r3.members, []);
    // The old generation is over.
    const stale = coordinator.heartbeat({
      groupId: 'g',
      generationId,
      memberId: members[0],
      groupInstanceId: null,
    });
    assert.equal(stale.errorCode, ErrorCodes.ILLEGAL_GENERATION);
  });

  it('picks the protocol every member supports that most members prefer', async (t) => {
    const coordinator = await openCoordinator(t, { initialRebalanceDelayMs: 50 });
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
    const results = await Promise.all([
      coordinator.joinGroup(joinInput({ protocols: p('roundrobin', 'range', 'sticky') })),
      coordinator.joinGroup(joinInput({ protocols: p('range', 'sticky') })),
      coordinator.joinGroup(joinInput({ protocols: p('sticky', 'range') })),
    ]);
    assert.deepEqual(
      results.map((r) => r.protocolName),
      ['range', 'range', 'range'],
    );
    const leader = results.find((r) => r.members.length > 0)!;
    assert.deepEqual(
      leader.members.map((m) => m.metadata.toString()),
      ['range', 'range', 'range'],
    );
  });

  it('rejects a member whose protocol type or protocols do not fit the group with INCONSISTENT_GROUP_PROTOCOL', async (t) => {
    const coordinator = await openCoordinator(t);
    await stableGroup(coordinator, 1);
    const wrongType = await coordinator.joinGroup(joinInput({ protocolType: 'connect' }));
    assert.equal(wrongType.errorCode, ErrorCodes.INCONSISTENT_GROUP_PROTOCOL);
    const noCommon = await coordinator.joinGroup(
      joinInput({ protocols: [{ name: 'other', metadata: Buffer.alloc(0) }] }),
    );
    assert.equal(noCommon.errorCode, ErrorCodes.INCONSISTENT_GROUP_PROTOCOL);
    const noProtocols = await coordinator.joinGroup(joinInput({ groupId: 'fresh', protocols: [] }));
    assert.equal(noProtocols.errorCode, ErrorCodes.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('rejects session timeouts outside the configured bounds with INVALID_SESSION_TIMEOUT', async (t) => {
    const coordinator = await openCoordinator(t, { minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 10_000 });
    for (const sessionTimeoutMs of [999, 10_001]) {
      const r = await coordinator.joinGroup(joinInput({ sessionTimeoutMs }));
      assert.equal(r.errorCode, ErrorCodes.INVALID_SESSION_TIMEOUT);
    }
    assert.equal((await coordinator.joinGroup(joinInput({ sessionTimeoutMs: 1000 }))).errorCode, 0);
  });

  it('rejects an empty group id with INVALID_GROUP_ID', async (t) => {
    const coordinator = await openCoordinator(t);
    assert.equal(
      (await coordinator.joinGroup(joinInput({ groupId: '' }))).errorCode,
      ErrorCodes.INVALID_GROUP_ID,
    );
    assert.equal(
      coordinator.heartbeat({ groupId: '', generationId: 1, memberId: 'm', groupInstanceId: null }).errorCode,
      ErrorCodes.INVALID_GROUP_ID,
    );
  });
});

describe('member id required (KIP-394)', () => {
  it('answers a v4+ first join with MEMBER_ID_REQUIRED and a member id, and admits the member when it rejoins with it', async (t) => {
    const coordinator = await openCoordinator(t);
    const first = await coordinator.joinGroup(joinInput({ apiVersion: 4, clientId: 'app' }));
    assert.equal(first.errorCode, ErrorCodes.MEMBER_ID_REQUIRED);
    assert.match(first.memberId, /^app-[0-9a-f-]{36}$/);
    assert.equal(first.generationId, -1);
    assert.equal(coordinator.describeGroups(['g'])[0].members.length, 0, 'not a member yet');

    const second = await coordinator.joinGroup(
      joinInput({ apiVersion: 4, clientId: 'app', memberId: first.memberId }),
    );
    assert.equal(second.errorCode, 0);
    assert.equal(second.memberId, first.memberId);
    assert.equal(second.generationId, 1);
    assert.equal(second.leader, first.memberId);
  });

  it('holds the join phase until a member that was handed an id comes back with it', async (t) => {
    const coordinator = await openCoordinator(t);
    const a = await coordinator.joinGroup(joinInput({ apiVersion: 9 }));
    const b = await coordinator.joinGroup(joinInput({ apiVersion: 9 }));
    const joinA = coordinator.joinGroup(joinInput({ apiVersion: 9, memberId: a.memberId }));
    assert.equal(await isPending(joinA), true, 'b holds an unused member id');
    const joinB = coordinator.joinGroup(joinInput({ apiVersion: 9, memberId: b.memberId }));
    const [ra, rb] = await Promise.all([joinA, joinB]);
    assert.equal(ra.generationId, 1);
    assert.equal(rb.generationId, 1);
    assert.equal(ra.members.length, 2);
  });

  it('admits a v0–3 member directly', async (t) => {
    const coordinator = await openCoordinator(t);
    const r = await coordinator.joinGroup(joinInput({ apiVersion: 3 }));
    assert.equal(r.errorCode, 0);
    assert.equal(r.generationId, 1);
  });
});

describe('errors for unknown members and old generations', () => {
  it('answers UNKNOWN_MEMBER_ID and ILLEGAL_GENERATION to heartbeat, sync and join', async (t) => {
    const coordinator = await openCoordinator(t);
    const { members, generationId } = await stableGroup(coordinator, 2);
    const hb = (memberId: string, gen: number, groupId = 'g') =>
      coordinator.heartbeat({ groupId, generationId: gen, memberId, groupInstanceId: null }).errorCode;
    assert.equal(hb('nobody', generationId), ErrorCodes.UNKNOWN_MEMBER_ID);
    assert.equal(hb(members[0], generationId + 1), ErrorCodes.ILLEGAL_GENERATION);
    assert.equal(hb(members[0], generationId, 'no-such-group'), ErrorCodes.UNKNOWN_MEMBER_ID);
    assert.equal(
      (await coordinator.syncGroup(sync('nobody', generationId))).errorCode,
      ErrorCodes.UNKNOWN_MEMBER_ID,
    );
    assert.equal(
      (await coordinator.syncGroup(sync(members[1], generationId - 1))).errorCode,
      ErrorCodes.ILLEGAL_GENERATION,
    );
    const unknownJoin = await coordinator.joinGroup(joinInput({ memberId: 'nobody' }));
    assert.equal(unknownJoin.errorCode, ErrorCodes.UNKNOWN_MEMBER_ID);
    const noGroup = await coordinator.joinGroup(joinInput({ groupId: 'no-such-group', memberId: 'someone' }));
    assert.equal(noGroup.errorCode, ErrorCodes.UNKNOWN_MEMBER_ID);
  });

  it('checks the protocol type and name of a v5 SyncGroup', async (t) => {
    const coordinator = await openCoordinator(t);
    const { members, generationId } = await stableGroup(coordinator, 1);
    const wrongName = await coordinator.syncGroup({
      ...sync(members[0], generationId),
      protocolName: 'roundrobin',
    });
    assert.equal(wrongName.errorCode, ErrorCodes.INCONSISTENT_GROUP_PROTOCOL);
    const wrongType = await coordinator.syncGroup({
      ...sync(members[0], generationId),
      protocolType: 'connect',
    });
    assert.equal(wrongType.errorCode, ErrorCodes.INCONSISTENT_GROUP_PROTOCOL);
    const right = await coordinator.syncGroup({
      ...sync(members[0], generationId),
      protocolType: 'consumer',
      protocolName: 'range',
    });
    assert.equal(right.errorCode, 0);
    assert.equal(right.protocolType, 'consumer');
  });

  it('answers a follower that rejoins a Stable group unchanged with the current generation, without a rebalance', async (t) => {
    const coordinator = await openCoordinator(t);
    const { members, generationId, leader } = await stableGroup(coordinator, 2);
    const r = await settledNow(coordinator.joinGroup(joinInput({ memberId: members[1] })));
    assert.equal(r.errorCode, 0);
    assert.equal(r.generationId, generationId);
    assert.equal(r.leader, leader);
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'Stable');
    // The leader's rejoin, though, always rebalances.
    const leaderJoin = coordinator.joinGroup(joinInput({ memberId: leader }));
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'PreparingRebalance');
    await coordinator.joinGroup(joinInput({ memberId: members[1] }));
    assert.equal((await leaderJoin).generationId, generationId + 1);
  });
});

describe('leave group', () => {
  it('rebalances the others when one member leaves, and empties the group when the last leaves', async (t) => {
    const coordinator = await openCoordinator(t);
    const { members, generationId } = await stableGroup(coordinator, 2);
    const left = coordinator.leaveGroup({
      groupId: 'g',
      members: [{ memberId: members[0], groupInstanceId: null }],
    });
    assert.deepEqual(left, {
      errorCode: 0,
      members: [{ memberId: members[0], groupInstanceId: null, errorCode: 0 }],
    });
    const hb = coordinator.heartbeat({
      groupId: 'g',
      generationId,
      memberId: members[1],
      groupInstanceId: null,
    });
    assert.equal(hb.errorCode, ErrorCodes.REBALANCE_IN_PROGRESS);
    const rejoin = await coordinator.joinGroup(joinInput({ memberId: members[1] }));
    assert.equal(rejoin.generationId, generationId + 1);
    assert.equal(rejoin.leader, members[1], 'leadership passes to a remaining member');

    coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: members[1], groupInstanceId: null }] });
    const described = coordinator.describeGroups(['g'])[0];
    assert.equal(described.groupState, 'Empty');
    assert.deepEqual(described.members, []);
  });

  it('removes a batch of members with an error code per member', async (t) => {
    const coordinator = await openCoordinator(t);
    const { members } = await stableGroup(coordinator, 3);
    const result = coordinator.leaveGroup({
      groupId: 'g',
      members: [
        { memberId: members[1], groupInstanceId: null, reason: 'shutting down' },
        { memberId: 'nobody', groupInstanceId: null },
        { memberId: members[2], groupInstanceId: null },
      ],
    });
    assert.equal(result.errorCode, 0);
    assert.deepEqual(
      result.members.map((m) => m.errorCode),
      [0, ErrorCodes.UNKNOWN_MEMBER_ID, 0],
    );
    const described = coordinator.describeGroups(['g'])[0];
    assert.deepEqual(
      described.members.map((m) => m.memberId),
      [members[0]],
    );
    const unknownGroup = coordinator.leaveGroup({
      groupId: 'nope',
      members: [{ memberId: 'x', groupInstanceId: null }],
    });
    assert.deepEqual(
      unknownGroup.members.map((m) => m.errorCode),
      [ErrorCodes.UNKNOWN_MEMBER_ID],
    );
  });

  it('answers the waiting JoinGroup of a member removed during the join phase', async (t) => {
    const coordinator = await openCoordinator(t);
    const { members } = await stableGroup(coordinator, 2);
    const newcomer = coordinator.joinGroup(joinInput());
    const rejoin = coordinator.joinGroup(joinInput({ memberId: members[0] }));
    coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: members[0], groupInstanceId: null }] });
    assert.equal((await rejoin).errorCode, ErrorCodes.UNKNOWN_MEMBER_ID);
    await coordinator.joinGroup(joinInput({ memberId: members[1] }));
    assert.equal((await newcomer).errorCode, 0);
  });
});
