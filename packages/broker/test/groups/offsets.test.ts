import assert from 'node:assert/strict';
import { appendFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ErrorCodes,
  type GroupCoordinator,
  JOURNAL_FILE,
  type OffsetCommitInput,
} from '../../src/groups/index.ts';
import { joinInput, openCoordinator, stableGroup, tempDir } from './coordinator-fixture.ts';

function commit(
  groupId: string,
  offsets: Record<string, Record<number, number>>,
  member: Partial<OffsetCommitInput> = {},
): OffsetCommitInput {
  return {
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    ...member,
    topics: Object.entries(offsets).map(([name, partitions]) => ({
      name,
      partitions: Object.entries(partitions).map(([p, offset]) => ({
        partitionIndex: Number(p),
        committedOffset: offset,
        committedLeaderEpoch: 7,
        committedMetadata: `meta-${offset}`,
      })),
    })),
  };
}

function offsetsOf(coordinator: GroupCoordinator, groupId: string): Record<string, Record<number, number>> {
  const result: Record<string, Record<number, number>> = {};
  for (const t of coordinator.fetchOffsets(groupId, null).topics) {
    result[t.name] = Object.fromEntries(t.partitions.map((p) => [p.partitionIndex, p.committedOffset]));
  }
  return result;
}

const codes = (output: Awaited<ReturnType<GroupCoordinator['commitOffsets']>>) =>
  output.flatMap((t) => t.partitions.map((p) => p.errorCode));

describe('offset commit and fetch', () => {
  it('stores offsets with leader epoch and metadata and returns them; -1 where nothing was committed', async (t) => {
    const coordinator = await openCoordinator(t);
    const out = await coordinator.commitOffsets(commit('g', { orders: { 0: 10, 2: 30 }, users: { 0: 5 } }));
    assert.deepEqual(out, [
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, errorCode: 0 },
          { partitionIndex: 2, errorCode: 0 },
        ],
      },
      { name: 'users', partitions: [{ partitionIndex: 0, errorCode: 0 }] },
    ]);
    const fetched = coordinator.fetchOffsets('g', [{ name: 'orders', partitionIndexes: [0, 1, 2] }]);
    assert.deepEqual(fetched, {
      errorCode: 0,
      topics: [
        {
          name: 'orders',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 10,
              committedLeaderEpoch: 7,
              metadata: 'meta-10',
              errorCode: 0,
            },
            { partitionIndex: 1, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
            {
              partitionIndex: 2,
              committedOffset: 30,
              committedLeaderEpoch: 7,
              metadata: 'meta-30',
              errorCode: 0,
            },
          ],
        },
      ],
    });
    assert.deepEqual(offsetsOf(coordinator, 'g'), { orders: { 0: 10, 2: 30 }, users: { 0: 5 } });
    assert.deepEqual(offsetsOf(coordinator, 'other-group'), {});
    // A later commit replaces the offset; a null metadata is kept as '' (as Kafka).
    await coordinator.commitOffsets({
      ...commit('g', { orders: { 0: 11 } }),
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 11, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    const p0 = coordinator.fetchOffsets('g', [{ name: 'orders', partitionIndexes: [0] }]).topics[0]
      .partitions[0];
    assert.deepEqual([p0.committedOffset, p0.committedLeaderEpoch, p0.metadata], [11, -1, '']);
  });

  it('refuses metadata longer than 4096 characters for that partition only (OFFSET_METADATA_TOO_LARGE)', async (t) => {
    const coordinator = await openCoordinator(t);
    const out = await coordinator.commitOffsets({
      ...commit('g', {}),
      topics: [
        {
          name: 't',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              committedMetadata: 'x'.repeat(4097),
            },
            {
              partitionIndex: 1,
              committedOffset: 2,
              committedLeaderEpoch: -1,
              committedMetadata: 'x'.repeat(4096),
            },
          ],
        },
      ],
    });
    assert.deepEqual(codes(out), [ErrorCodes.OFFSET_METADATA_TOO_LARGE, 0]);
    assert.deepEqual(offsetsOf(coordinator, 'g'), { t: { 1: 2 } });
  });

  it('checks member and generation for commits from group members', async (t) => {
    const coordinator = await openCoordinator(t);
    const { members, generationId } = await stableGroup(coordinator, 2);
    const member = { memberId: members[0], generationId };
    assert.deepEqual(codes(await coordinator.commitOffsets(commit('g', { t: { 0: 1 } }, member))), [0]);
    assert.deepEqual(
      codes(
        await coordinator.commitOffsets(
          commit('g', { t: { 0: 2 } }, { ...member, generationId: generationId - 1 }),
        ),
      ),
      [ErrorCodes.ILLEGAL_GENERATION],
    );
    assert.deepEqual(
      codes(await coordinator.commitOffsets(commit('g', { t: { 0: 2 } }, { ...member, memberId: 'nobody' }))),
      [ErrorCodes.UNKNOWN_MEMBER_ID],
    );
    // A group with members accepts no commit from outside group management.
    assert.deepEqual(codes(await coordinator.commitOffsets(commit('g', { t: { 0: 2 } }))), [
      ErrorCodes.UNKNOWN_MEMBER_ID,
    ]);
    // A generation for a group that does not exist is stale.
    assert.deepEqual(
      codes(
        await coordinator.commitOffsets(
          commit('no-such-group', { t: { 0: 2 } }, { memberId: 'm', generationId: 3 }),
        ),
      ),
      [ErrorCodes.ILLEGAL_GENERATION],
    );
    assert.deepEqual(offsetsOf(coordinator, 'g'), { t: { 0: 1 } });

    // While preparing a rebalance, members of the current generation may still commit.
    const newcomer = coordinator.joinGroup(joinInput());
    assert.deepEqual(codes(await coordinator.commitOffsets(commit('g', { t: { 0: 3 } }, member))), [0]);
    // Once the new generation is formed but not synced, commits wait for the assignment.
    await Promise.all([
      newcomer,
      coordinator.joinGroup(joinInput({ memberId: members[0] })),
      coordinator.joinGroup(joinInput({ memberId: members[1] })),
    ]);
    assert.deepEqual(
      codes(
        await coordinator.commitOffsets(
          commit('g', { t: { 0: 4 } }, { ...member, generationId: generationId + 1 }),
        ),
      ),
      [ErrorCodes.REBALANCE_IN_PROGRESS],
    );
    assert.deepEqual(offsetsOf(coordinator, 'g'), { t: { 0: 3 } });
  });

  it('keeps committed offsets across a restart; the group is listed as Empty', async (t) => {
    const dataDir = await tempDir(t);
    const first = await openCoordinator(t, { dataDir });
    const { members, generationId } = await stableGroup(first, 1, 'consumers');
    await first.commitOffsets(
      commit('consumers', { orders: { 0: 42, 1: 7 } }, { memberId: members[0], generationId }),
    );
    await first.commitOffsets(commit('standalone', { users: { 3: 99 } }));
    await first.close();

    const second = await openCoordinator(t, { dataDir });
    assert.deepEqual(offsetsOf(second, 'consumers'), { orders: { 0: 42, 1: 7 } });
    assert.deepEqual(offsetsOf(second, 'standalone'), { users: { 3: 99 } });
    const p = second.fetchOffsets('consumers', [{ name: 'orders', partitionIndexes: [0] }]).topics[0]
      .partitions[0];
    assert.equal(p.metadata, 'meta-42');
    assert.equal(p.committedLeaderEpoch, 7);
    assert.deepEqual(
      second.listGroups().map((g) => [g.groupId, g.groupState]),
      [
        ['consumers', 'Empty'],
        ['standalone', 'Empty'],
      ],
    );
    // Membership is not persisted: the old member must rejoin.
    const hb = second.heartbeat({
      groupId: 'consumers',
      generationId,
      memberId: members[0],
      groupInstanceId: null,
    });
    assert.equal(hb.errorCode, ErrorCodes.UNKNOWN_MEMBER_ID);
  });

  it('ignores a torn tail in the journal and keeps appending after the last intact record', async (t) => {
    const dataDir = await tempDir(t);
    const first = await openCoordinator(t, { dataDir });
    await first.commitOffsets(commit('g', { t: { 0: 1, 1: 1 } }));
    await first.commitOffsets(commit('g', { t: { 0: 2 } }));
    await first.close();
    const path = join(dataDir, JOURNAL_FILE);
    const intact = (await stat(path)).size;
    // A record whose write was cut short: a length that promises more bytes than follow.
    await appendFile(path, Buffer.from([0, 0, 1, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));

    const second = await openCoordinator(t, { dataDir });
    assert.deepEqual(offsetsOf(second, 'g'), { t: { 0: 2, 1: 1 } });
    assert.equal((await stat(path)).size, intact, 'the torn tail was cut');
    await second.commitOffsets(commit('g', { t: { 1: 5 } }));
    await second.close();

    const third = await openCoordinator(t, { dataDir });
    assert.deepEqual(offsetsOf(third, 'g'), { t: { 0: 2, 1: 5 } });
  });

  it('ignores a last record whose checksum does not match', async (t) => {
    const dataDir = await tempDir(t);
    const first = await openCoordinator(t, { dataDir });
    await first.commitOffsets(commit('g', { t: { 0: 1 } }));
    await first.close();
    const path = join(dataDir, JOURNAL_FILE);
    const before = (await stat(path)).size;
    const second = await openCoordinator(t, { dataDir });
    await second.commitOffsets(commit('g', { t: { 0: 2 } }));
    await second.close();
    // Flip a byte inside the second record's payload (its last byte).
    const { open } = await import('node:fs/promises');
    const fd = await open(path, 'r+');
    const size = (await fd.stat()).size;
    const last = Buffer.alloc(1);
    await fd.read(last, 0, 1, size - 1);
    await fd.write(Buffer.from([last[0] ^ 0xff]), 0, 1, size - 1);
    await fd.close();
    const third = await openCoordinator(t, { dataDir });
    assert.deepEqual(offsetsOf(third, 'g'), { t: { 0: 1 } });
    assert.equal((await stat(path)).size, before);
  });

  it('forgets the offsets of a deleted topic, also after a restart', async (t) => {
    const dataDir = await tempDir(t);
    const first = await openCoordinator(t, { dataDir });
    await first.commitOffsets(commit('g1', { gone: { 0: 1 }, kept: { 0: 2 } }));
    await first.commitOffsets(commit('g2', { gone: { 0: 3 } }));
    await first.deleteTopicOffsets('gone');
    assert.deepEqual(offsetsOf(first, 'g1'), { kept: { 0: 2 } });
    assert.deepEqual(offsetsOf(first, 'g2'), {});
    await first.close();
    const second = await openCoordinator(t, { dataDir });
    assert.deepEqual(offsetsOf(second, 'g1'), { kept: { 0: 2 } });
    assert.deepEqual(
      second.listGroups().map((g) => g.groupId),
      ['g1'],
    );
  });

  it('acknowledges concurrent commits from many groups and keeps each one', async (t) => {
    const dataDir = await tempDir(t);
    const first = await openCoordinator(t, { dataDir });
    const outputs = await Promise.all(
      Array.from({ length: 200 }, (_, i) => first.commitOffsets(commit(`g${i % 20}`, { t: { [i % 7]: i } }))),
    );
    assert.ok(outputs.every((o) => codes(o).every((c) => c === 0)));
    const expected = Object.fromEntries(
      Array.from({ length: 20 }, (_, g) => [`g${g}`, offsetsOf(first, `g${g}`)]),
    );
    await first.close();
    const second = await openCoordinator(t, { dataDir });
    for (const [groupId, offsets] of Object.entries(expected))
      assert.deepEqual(offsetsOf(second, groupId), offsets);
  });
});
