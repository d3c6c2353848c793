import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes } from '../../src/groups/index.ts';
import { isPending, joinInput, openCoordinator, stableGroup, tempDir } from './coordinator-fixture.ts';

describe('describe and list groups', () => {
  it('describes an unknown group as Dead without an error, as Kafka does', async (t) => {
    const coordinator = await openCoordinator(t);
    assert.deepEqual(coordinator.describeGroups(['nope']), [
      { errorCode: 0, groupId: 'nope', groupState: 'Dead', protocolType: '', protocolData: '', members: [] },
    ]);
  });

  it('describes a Stable group with its protocol and each member with metadata and assignment', async (t) => {
    const coordinator = await openCoordinator(t);
    const { members } = await stableGroup(coordinator, 2);
    const [described] = coordinator.describeGroups(['g']);
    assert.equal(described.groupState, 'Stable');
    assert.equal(described.protocolType, 'consumer');
    assert.equal(described.protocolData, 'range');
    assert.deepEqual(
      described.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: m.memberMetadata.toString(),
        assignment: m.memberAssignment.toString(),
      })),
      members.map((memberId, i) => ({
        memberId,
        groupInstanceId: null,
        clientId: `c${i}`,
        clientHost: '/127.0.0.1',
        metadata: 'meta',
        assignment: `assignment-${memberId}`,
      })),
    );

    // While rebalancing: members without metadata or assignment, and no protocol (as Kafka).
    const newcomer = coordinator.joinGroup(joinInput({ clientId: 'late' }));
    assert.equal(await isPending(newcomer), true);
    const [rebalancing] = coordinator.describeGroups(['g']);
    assert.equal(rebalancing.groupState, 'PreparingRebalance');
    assert.equal(rebalancing.protocolData, '');
    assert.equal(rebalancing.members.length, 3);
    assert.ok(
      rebalancing.members.every((m) => m.memberMetadata.length === 0 && m.memberAssignment.length === 0),
    );
  });

  it('lists groups with their protocol type and state, filtered by state case-insensitively', async (t) => {
    const coordinator = await openCoordinator(t);
    await stableGroup(coordinator, 1, 'stable-group');
    await coordinator.joinGroup(joinInput({ groupId: 'completing-group', protocolType: 'connect' }));
    await coordinator.commitOffsets({
      groupId: 'offsets-only',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    const sorted = <T extends { groupId: string }>(groups: T[]) =>
      [...groups].sort((a, b) => a.groupId.localeCompare(b.groupId));
    assert.deepEqual(sorted(coordinator.listGroups()), [
      { groupId: 'completing-group', protocolType: 'connect', groupState: 'CompletingRebalance' },
      { groupId: 'offsets-only', protocolType: '', groupState: 'Empty' },
      { groupId: 'stable-group', protocolType: 'consumer', groupState: 'Stable' },
    ]);
    assert.deepEqual(
      coordinator
        .listGroups(['stable', 'EMPTY'])
        .map((g) => g.groupId)
        .sort(),
      ['offsets-only', 'stable-group'],
    );
    assert.deepEqual(coordinator.listGroups(['Dead']), []);
    assert.equal(coordinator.listGroups([]).length, 3, 'an empty filter lists everything');
  });
});

describe('closing the coordinator', () => {
  it('answers waiting joins and syncs with COORDINATOR_NOT_AVAILABLE and refuses later requests', async (t) => {
    const coordinator = await openCoordinator(t, { dataDir: await tempDir(t) });
    const { members, generationId } = await stableGroup(coordinator, 2);
    const waitingJoin = coordinator.joinGroup(joinInput());
    await coordinator.close();
    assert.equal((await waitingJoin).errorCode, ErrorCodes.COORDINATOR_NOT_AVAILABLE);
    assert.equal(
      coordinator.heartbeat({ groupId: 'g', generationId, memberId: members[0], groupInstanceId: null })
        .errorCode,
      ErrorCodes.COORDINATOR_NOT_AVAILABLE,
    );
    assert.equal((await coordinator.joinGroup(joinInput())).errorCode, ErrorCodes.COORDINATOR_NOT_AVAILABLE);
    const commit = await coordinator.commitOffsets({
      groupId: 'g',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    assert.equal(commit[0].partitions[0].errorCode, ErrorCodes.COORDINATOR_NOT_AVAILABLE);
    assert.equal(coordinator.describeGroups(['g'])[0].errorCode, ErrorCodes.COORDINATOR_NOT_AVAILABLE);
    assert.equal(coordinator.fetchOffsets('g', null).errorCode, ErrorCodes.COORDINATOR_NOT_AVAILABLE);
  });

  it('answers a follower waiting in SyncGroup when the coordinator closes', async (t) => {
    const coordinator = await openCoordinator(t);
    const a = await coordinator.joinGroup(joinInput());
    const bJoin = coordinator.joinGroup(joinInput());
    await coordinator.joinGroup(joinInput({ memberId: a.memberId }));
    const b = await bJoin;
    const waiting = coordinator.syncGroup({
      groupId: 'g',
      generationId: b.generationId,
      memberId: b.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    assert.equal(await isPending(waiting), true);
    await coordinator.close();
    assert.equal((await waiting).errorCode, ErrorCodes.COORDINATOR_NOT_AVAILABLE);
  });

  it('waits for commits in flight to be durable before it resolves', async (t) => {
    const dataDir = await tempDir(t);
    const coordinator = await openCoordinator(t, { dataDir });
    const inFlight = coordinator.commitOffsets({
      groupId: 'g',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 9, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    await coordinator.close();
    assert.equal((await inFlight)[0].partitions[0].errorCode, 0);
    const reopened = await openCoordinator(t, { dataDir });
    assert.equal(
      reopened.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0]
        .committedOffset,
      9,
    );
  });
});
