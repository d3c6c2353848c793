// KIP-345 static membership: a member keeps its place across restarts by its group instance id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes, type GroupCoordinator } from '../../src/groups/index.ts';
import { isPending, joinInput, ManualTimers, openCoordinator, settledNow } from './coordinator-fixture.ts';

const syncInput = (
  memberId: string,
  generationId: number,
  groupInstanceId: string | null,
  assignments = [] as { memberId: string; assignment: Buffer }[],
) => ({
  groupId: 'g',
  generationId,
  memberId,
  groupInstanceId,
  protocolType: null,
  protocolName: null,
  assignments,
});

/** Two static members, instance ids 'i-a' (leader) and 'i-b', in a Stable group with assignments. */
async function staticGroup(coordinator: GroupCoordinator) {
  const aJoin = await coordinator.joinGroup(joinInput({ apiVersion: 5, groupInstanceId: 'i-a' }));
  const bPending = coordinator.joinGroup(joinInput({ apiVersion: 5, groupInstanceId: 'i-b' }));
  const aRejoin = await coordinator.joinGroup(
    joinInput({ apiVersion: 5, groupInstanceId: 'i-a', memberId: aJoin.memberId }),
  );
  const b = await bPending;
  const generationId = b.generationId;
  const a = aRejoin.memberId;
  const followerSync = coordinator.syncGroup(syncInput(b.memberId, generationId, 'i-b'));
  await coordinator.syncGroup(
    syncInput(a, generationId, 'i-a', [
      { memberId: a, assignment: Buffer.from('partitions-a') },
      { memberId: b.memberId, assignment: Buffer.from('partitions-b') },
    ]),
  );
  await followerSync;
  return { a, b: b.memberId, generationId };
}

describe('static membership', () => {
  it('gives a static member its id without MEMBER_ID_REQUIRED, prefixed with its instance id', async (t) => {
    const coordinator = await openCoordinator(t);
    const r = await coordinator.joinGroup(joinInput({ apiVersion: 9, groupInstanceId: 'instance-1' }));
    assert.equal(r.errorCode, 0);
    assert.match(r.memberId, /^instance-1-[0-9a-f-]{36}$/);
    assert.equal(coordinator.describeGroups(['g'])[0].members[0].groupInstanceId, 'instance-1');
  });

  it('lets a restarted static member take over without a rebalance and fences the old member id', async (t) => {
    const coordinator = await openCoordinator(t);
    const { a, b, generationId } = await staticGroup(coordinator);

    // b restarts: same instance id, no member id, same protocols.
    const restarted = await settledNow(
      coordinator.joinGroup(joinInput({ apiVersion: 5, groupInstanceId: 'i-b' })),
    );
    assert.equal(restarted.errorCode, 0);
    assert.notEqual(restarted.memberId, b);
    assert.equal(restarted.generationId, generationId, 'same generation: no rebalance');
    assert.equal(restarted.leader, a);
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'Stable');
    assert.equal(
      coordinator.heartbeat({ groupId: 'g', generationId, memberId: a, groupInstanceId: 'i-a' }).errorCode,
      0,
      'the other member is not asked to rejoin',
    );

    // The new instance gets the old assignment through SyncGroup.
    const synced = await settledNow(
      coordinator.syncGroup(syncInput(restarted.memberId, generationId, 'i-b')),
    );
    assert.equal(synced.errorCode, 0);
    assert.equal(synced.assignment.toString(), 'partitions-b');

    // The old instance is fenced everywhere.
    const hb = coordinator.heartbeat({ groupId: 'g', generationId, memberId: b, groupInstanceId: 'i-b' });
    assert.equal(hb.errorCode, ErrorCodes.FENCED_INSTANCE_ID);
    assert.equal(
      (await coordinator.syncGroup(syncInput(b, generationId, 'i-b'))).errorCode,
      ErrorCodes.FENCED_INSTANCE_ID,
    );
    const commit = await coordinator.commitOffsets({
      groupId: 'g',
      generationId,
      memberId: b,
      groupInstanceId: 'i-b',
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    assert.equal(commit[0].partitions[0].errorCode, ErrorCodes.FENCED_INSTANCE_ID);
    const rejoin = await coordinator.joinGroup(
      joinInput({ apiVersion: 5, groupInstanceId: 'i-b', memberId: b }),
    );
    assert.equal(rejoin.errorCode, ErrorCodes.FENCED_INSTANCE_ID);
    assert.deepEqual(
      coordinator.describeGroups(['g'])[0].members.map((m) => [m.memberId, m.groupInstanceId]),
      [
        [a, 'i-a'],
        [restarted.memberId, 'i-b'],
      ],
    );
  });

  it('does not make a restarted static leader compute an assignment (the old leader id is returned)', async (t) => {
    const coordinator = await openCoordinator(t);
    const { a, generationId } = await staticGroup(coordinator);
    const restarted = await settledNow(
      coordinator.joinGroup(joinInput({ apiVersion: 5, groupInstanceId: 'i-a' })),
    );
    assert.equal(restarted.generationId, generationId);
    assert.equal(restarted.leader, a, 'not its own id, so the client does not act as leader');
    assert.deepEqual(restarted.members, []);
    const synced = await settledNow(
      coordinator.syncGroup(syncInput(restarted.memberId, generationId, 'i-a')),
    );
    assert.equal(synced.assignment.toString(), 'partitions-a');
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'Stable');
  });

  it('does not rebalance when a restarted static member changes only its metadata (as Kafka)', async (t) => {
    const coordinator = await openCoordinator(t);
    const { a, generationId } = await staticGroup(coordinator);
    const changed = coordinator.joinGroup(
      joinInput({
        apiVersion: 5,
        groupInstanceId: 'i-a',
        protocols: [{ name: 'range', metadata: Buffer.from('y') }],
      }),
    );
    const result = await settledNow(changed);
    assert.equal(result.generationId, generationId);
    assert.notEqual(result.memberId, a);
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'Stable');
  });

  it('rebalances when a restarted static member changes the protocol the group would choose', async (t) => {
    const coordinator = await openCoordinator(t, { initialRebalanceDelayMs: 20 });
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
    const joined = await Promise.all([
      coordinator.joinGroup(
        joinInput({ apiVersion: 5, groupInstanceId: 'i-a', protocols: p('range', 'roundrobin') }),
      ),
      coordinator.joinGroup(
        joinInput({ apiVersion: 5, groupInstanceId: 'i-b', protocols: p('roundrobin', 'range') }),
      ),
      coordinator.joinGroup(
        joinInput({ apiVersion: 5, groupInstanceId: 'i-c', protocols: p('roundrobin', 'range') }),
      ),
    ]);
    assert.equal(joined[0].protocolName, 'roundrobin');
    const generationId = joined[0].generationId;
    await Promise.all(
      joined.map((r, i) => coordinator.syncGroup(syncInput(r.memberId, generationId, `i-${'abc'[i]}`))),
    );
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'Stable');

    // b now prefers range: the vote would pick range, so the group must rebalance.
    const restarted = coordinator.joinGroup(
      joinInput({ apiVersion: 5, groupInstanceId: 'i-b', protocols: p('range', 'roundrobin') }),
    );
    assert.equal(await isPending(restarted), true);
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'PreparingRebalance');
    const rejoined = await Promise.all([
      restarted,
      coordinator.joinGroup(
        joinInput({
          apiVersion: 5,
          groupInstanceId: 'i-a',
          memberId: joined[0].memberId,
          protocols: p('range', 'roundrobin'),
        }),
      ),
      coordinator.joinGroup(
        joinInput({
          apiVersion: 5,
          groupInstanceId: 'i-c',
          memberId: joined[2].memberId,
          protocols: p('roundrobin', 'range'),
        }),
      ),
    ]);
    assert.deepEqual(
      rejoined.map((r) => [r.errorCode, r.generationId, r.protocolName]),
      [
        [0, generationId + 1, 'range'],
        [0, generationId + 1, 'range'],
        [0, generationId + 1, 'range'],
      ],
    );
  });

  it('answers a fenced instance that was waiting in a join phase with FENCED_INSTANCE_ID', async (t) => {
    const coordinator = await openCoordinator(t);
    const { a, b } = await staticGroup(coordinator);
    // A dynamic member joins: rebalance. The old b instance rejoins and waits.
    const { memberId: newcomerId } = await coordinator.joinGroup(joinInput({ apiVersion: 5 }));
    const newcomer = coordinator.joinGroup(joinInput({ apiVersion: 5, memberId: newcomerId }));
    const oldB = coordinator.joinGroup(joinInput({ apiVersion: 5, groupInstanceId: 'i-b', memberId: b }));
    assert.equal(await isPending(oldB), true);
    // b restarts while its old instance waits.
    const newB = coordinator.joinGroup(joinInput({ apiVersion: 5, groupInstanceId: 'i-b' }));
    assert.equal((await oldB).errorCode, ErrorCodes.FENCED_INSTANCE_ID);
    const others = await Promise.all([
      newB,
      coordinator.joinGroup(joinInput({ apiVersion: 5, groupInstanceId: 'i-a', memberId: a })),
      newcomer,
    ]);
    assert.deepEqual(
      others.map((r) => r.errorCode),
      [0, 0, 0],
    );
    assert.equal(others[1].members.length, 3);
  });

  it('still removes a static member whose session expires, and the group rebalances', async (t) => {
    const timers = new ManualTimers();
    const coordinator = await openCoordinator(t, { timers });
    const { a, b, generationId } = await staticGroup(coordinator);
    for (let i = 0; i < 4; i++) {
      timers.advance(10_000);
      coordinator.heartbeat({ groupId: 'g', generationId, memberId: a, groupInstanceId: 'i-a' });
    }
    assert.deepEqual(
      coordinator.describeGroups(['g'])[0].members.map((m) => m.memberId),
      [a],
    );
    const hb = coordinator.heartbeat({ groupId: 'g', generationId, memberId: b, groupInstanceId: 'i-b' });
    assert.equal(hb.errorCode, ErrorCodes.UNKNOWN_MEMBER_ID);
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'PreparingRebalance');
  });

  it('removes a static member by instance id alone (LeaveGroup v3+)', async (t) => {
    const coordinator = await openCoordinator(t);
    const { a } = await staticGroup(coordinator);
    const left = coordinator.leaveGroup({
      groupId: 'g',
      members: [
        { memberId: '', groupInstanceId: 'i-b' },
        { memberId: '', groupInstanceId: 'i-unknown' },
        { memberId: 'wrong-id', groupInstanceId: 'i-a' },
      ],
    });
    assert.deepEqual(
      left.members.map((m) => m.errorCode),
      [0, ErrorCodes.UNKNOWN_MEMBER_ID, ErrorCodes.FENCED_INSTANCE_ID],
    );
    assert.deepEqual(
      coordinator.describeGroups(['g'])[0].members.map((m) => m.memberId),
      [a],
    );
  });
});
