import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes, type GroupCoordinator } from '../../src/groups/index.ts';
import {
  isPending,
  joinInput,
  ManualTimers,
  openCoordinator,
  stableGroup,
  waitFor,
} from './coordinator-fixture.ts';

const memberIds = (coordinator: GroupCoordinator, groupId = 'g') =>
  coordinator.describeGroups([groupId])[0].members.map((m) => m.memberId);

describe('session timeout (real timers)', () => {
  it('removes a member that stops heartbeating after its 200 ms session timeout; the others rebalance', async (t) => {
    const coordinator = await openCoordinator(t, { minSessionTimeoutMs: 50 });
    const a = await coordinator.joinGroup(joinInput({ sessionTimeoutMs: 200, rebalanceTimeoutMs: 2000 }));
    const bJoin = coordinator.joinGroup(joinInput({ sessionTimeoutMs: 200, rebalanceTimeoutMs: 2000 }));
    await coordinator.joinGroup(
      joinInput({ memberId: a.memberId, sessionTimeoutMs: 200, rebalanceTimeoutMs: 2000 }),
    );
    const b = await bJoin;
    const generationId = b.generationId;
    await Promise.all([
      coordinator.syncGroup({
        groupId: 'g',
        generationId,
        memberId: b.memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      }),
      coordinator.syncGroup({
        groupId: 'g',
        generationId,
        memberId: a.memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      }),
    ]);

    // b keeps heartbeating every 50 ms, as a client would; a falls silent.
    const errors: number[] = [];
    const started = Date.now();
    const beat = setInterval(() => {
      errors.push(
        coordinator.heartbeat({ groupId: 'g', generationId, memberId: b.memberId, groupInstanceId: null })
          .errorCode,
      );
    }, 50);
    t.after(() => clearInterval(beat));
    await waitFor(() => errors.includes(ErrorCodes.REBALANCE_IN_PROGRESS), 3000, 'b to be told to rejoin');
    const elapsed = Date.now() - started;
    clearInterval(beat);
    assert.ok(elapsed >= 150, `a expired too early (${elapsed} ms)`);
    assert.deepEqual(memberIds(coordinator), [b.memberId], 'a was removed');

    const rejoin = await coordinator.joinGroup(joinInput({ memberId: b.memberId, sessionTimeoutMs: 200 }));
    assert.equal(rejoin.generationId, generationId + 1);
    assert.equal(rejoin.leader, b.memberId);
    assert.deepEqual(
      rejoin.members.map((m) => m.memberId),
      [b.memberId],
    );
  });

  it('keeps a member alive as long as it heartbeats', async (t) => {
    const coordinator = await openCoordinator(t, { minSessionTimeoutMs: 50 });
    const a = await coordinator.joinGroup(joinInput({ sessionTimeoutMs: 100 }));
    const errors: number[] = [];
    const beat = setInterval(() => {
      errors.push(
        coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null })
          .errorCode,
      );
    }, 20);
    t.after(() => clearInterval(beat));
    await waitFor(() => errors.length >= 20, 3000, '20 heartbeats');
    clearInterval(beat);
    assert.deepEqual(new Set(errors), new Set([0]));
    assert.deepEqual(memberIds(coordinator), [a.memberId]);
  });
});

describe('timeouts (manual clock)', () => {
  it('expires a member exactly at its session timeout, counted from its last heartbeat', async (t) => {
    const timers = new ManualTimers();
    const coordinator = await openCoordinator(t, { timers });
    const { members, generationId } = await stableGroup(coordinator, 2);
    timers.advance(20_000);
    coordinator.heartbeat({ groupId: 'g', generationId, memberId: members[0], groupInstanceId: null });
    timers.advance(10_000 - 1);
    assert.deepEqual(memberIds(coordinator), members, 'nothing expired before 30 s of silence');
    timers.advance(1);
    assert.deepEqual(memberIds(coordinator), [members[0]], 'the silent member expired at 30 s');
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'PreparingRebalance');
    timers.advance(19_999);
    assert.deepEqual(
      memberIds(coordinator),
      [members[0]],
      'the heartbeat at 20 s keeps the other until 50 s',
    );
    assert.ok(timers.armed <= 1, 'one timer for every deadline');
    timers.advance(1);
    assert.deepEqual(memberIds(coordinator), []);
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'Empty');
  });

  it('drops members that do not rejoin within the rebalance timeout and completes the generation without them', async (t) => {
    const timers = new ManualTimers();
    const coordinator = await openCoordinator(t, { timers });
    const { members, generationId } = await stableGroup(coordinator, 2);
    const newcomer = coordinator.joinGroup(joinInput({ rebalanceTimeoutMs: 60_000 }));
    const rejoin = coordinator.joinGroup(joinInput({ memberId: members[0] }));
    // members[1] keeps heartbeating but never rejoins.
    for (let i = 0; i < 5; i++) {
      timers.advance(10_000);
      coordinator.heartbeat({ groupId: 'g', generationId, memberId: members[1], groupInstanceId: null });
    }
    assert.equal(await isPending(newcomer), true);
    timers.advance(10_000);
    const [n, r] = await Promise.all([newcomer, rejoin]);
    assert.equal(n.generationId, generationId + 1);
    assert.equal(r.members.length, 2);
    assert.ok(!memberIds(coordinator).includes(members[1]));
  });

  it('removes members that do not send SyncGroup within the rebalance timeout and rebalances', async (t) => {
    const timers = new ManualTimers();
    const coordinator = await openCoordinator(t, { timers });
    const a = await coordinator.joinGroup(joinInput({ rebalanceTimeoutMs: 10_000 }));
    const bJoin = coordinator.joinGroup(joinInput({ rebalanceTimeoutMs: 10_000 }));
    await coordinator.joinGroup(joinInput({ memberId: a.memberId, rebalanceTimeoutMs: 10_000 }));
    const b = await bJoin;
    // Only the leader syncs; b heartbeats but never syncs.
    const leaderSync = await coordinator.syncGroup({
      groupId: 'g',
      generationId: b.generationId,
      memberId: a.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    assert.equal(leaderSync.errorCode, 0);
    timers.advance(5_000);
    coordinator.heartbeat({
      groupId: 'g',
      generationId: b.generationId,
      memberId: b.memberId,
      groupInstanceId: null,
    });
    timers.advance(5_000);
    assert.deepEqual(memberIds(coordinator), [a.memberId]);
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'PreparingRebalance');
  });

  it('forgets a member id handed out with MEMBER_ID_REQUIRED when it is not used within the session timeout', async (t) => {
    const timers = new ManualTimers();
    const coordinator = await openCoordinator(t, { timers });
    const a = await coordinator.joinGroup(joinInput({ apiVersion: 5 }));
    const b = await coordinator.joinGroup(joinInput({ apiVersion: 5 }));
    const joinA = coordinator.joinGroup(joinInput({ apiVersion: 5, memberId: a.memberId }));
    assert.equal(await isPending(joinA), true);
    timers.advance(30_000);
    const ra = await joinA;
    assert.equal(ra.generationId, 1);
    assert.equal(ra.members.length, 1);
    const late = await coordinator.joinGroup(joinInput({ apiVersion: 5, memberId: b.memberId }));
    assert.equal(late.errorCode, ErrorCodes.UNKNOWN_MEMBER_ID);
  });

  it('extends the initial rebalance delay while new members arrive, up to the rebalance timeout', async (t) => {
    const timers = new ManualTimers();
    const coordinator = await openCoordinator(t, { timers, initialRebalanceDelayMs: 3000 });
    const a = coordinator.joinGroup(joinInput({ rebalanceTimeoutMs: 7000 }));
    timers.advance(2000);
    const b = coordinator.joinGroup(joinInput({ rebalanceTimeoutMs: 7000 }));
    timers.advance(1000);
    assert.equal(await isPending(a), true, 'b arrived during the delay: wait again');
    timers.advance(2999);
    assert.equal(await isPending(a), true);
    timers.advance(1);
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.generationId, 1);
    assert.equal(rb.generationId, 1);
    assert.equal(ra.members.length, 2);
  });

  it('forgets an empty group without offsets after the retention, but keeps one with offsets', async (t) => {
    const timers = new ManualTimers();
    const coordinator = await openCoordinator(t, { timers, emptyGroupRetentionMs: 60_000 });
    const a = await coordinator.joinGroup(joinInput({ groupId: 'transient' }));
    const b = await coordinator.joinGroup(joinInput({ groupId: 'kept' }));
    await coordinator.syncGroup({
      groupId: 'kept',
      generationId: 1,
      memberId: b.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    const committed = await coordinator.commitOffsets({
      groupId: 'kept',
      generationId: 1,
      memberId: b.memberId,
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    assert.equal(committed[0].partitions[0].errorCode, 0);
    coordinator.leaveGroup({
      groupId: 'transient',
      members: [{ memberId: a.memberId, groupInstanceId: null }],
    });
    coordinator.leaveGroup({ groupId: 'kept', members: [{ memberId: b.memberId, groupInstanceId: null }] });
    assert.equal(coordinator.describeGroups(['transient'])[0].groupState, 'Empty');
    timers.advance(60_000);
    assert.equal(coordinator.describeGroups(['transient'])[0].groupState, 'Dead');
    assert.equal(coordinator.describeGroups(['kept'])[0].groupState, 'Empty');
    assert.deepEqual(
      coordinator.listGroups().map((g) => g.groupId),
      ['kept'],
    );
  });

  it('handles two thousand members with one timer: heartbeats keep them, silence expires them together', async (t) => {
    const timers = new ManualTimers();
    const coordinator = await openCoordinator(t, { timers, initialRebalanceDelayMs: 100 });
    const joins = Array.from({ length: 2000 }, (_, i) =>
      coordinator.joinGroup(joinInput({ clientId: `c${i}` })),
    );
    // Members kept arriving during the first delay, so it runs once more.
    timers.advance(200);
    const joined = await Promise.all(joins);
    const generationId = joined[0].generationId;
    assert.equal(joined.find((r) => r.members.length > 0)?.members.length, 2000);
    await Promise.all(
      joined.map((r) =>
        coordinator.syncGroup({
          groupId: 'g',
          generationId,
          memberId: r.memberId,
          groupInstanceId: null,
          protocolType: null,
          protocolName: null,
          assignments: [],
        }),
      ),
    );
    for (let round = 0; round < 5; round++) {
      timers.advance(10_000);
      for (const r of joined) {
        const hb = coordinator.heartbeat({
          groupId: 'g',
          generationId,
          memberId: r.memberId,
          groupInstanceId: null,
        });
        assert.equal(hb.errorCode, 0);
      }
      assert.ok(timers.armed <= 1);
    }
    assert.equal(memberIds(coordinator).length, 2000);
    timers.advance(30_000);
    assert.equal(memberIds(coordinator).length, 0);
    assert.equal(coordinator.describeGroups(['g'])[0].groupState, 'Empty');
  });
});
