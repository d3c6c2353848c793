// Shared test support: a coordinator on a temp dir, a hand-driven clock, request builders.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import {
  GroupCoordinator,
  type GroupCoordinatorConfig,
  type JoinGroupInput,
  type JoinGroupOutput,
  type TimerSource,
} from '../../src/groups/index.ts';

export const silentLogger = pino({ level: 'silent' });

/** A clock that moves only when told to; timers fire during `advance`. */
export class ManualTimers implements TimerSource {
  #now = 1_000_000;
  #timers = new Map<number, { at: number; callback: () => void }>();
  #nextId = 1;

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + delayMs, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers currently armed (the coordinator keeps at most one). */
  get armed(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers)
        if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].callback();
    }
    this.#now = target;
  }
}

export async function tempDir(t: TestContext, prefix = 'tributary-groups-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function openCoordinator(
  t: TestContext,
  config: Partial<GroupCoordinatorConfig> = {},
): Promise<GroupCoordinator> {
  const coordinator = await GroupCoordinator.open({
    dataDir: config.dataDir ?? (await tempDir(t)),
    logger: silentLogger,
    ...config,
  });
  t.after(() => coordinator.close());
  return coordinator;
}

export function joinInput(overrides: Partial<JoinGroupInput> = {}): JoinGroupInput {
  return {
    groupId: 'g',
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 60_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('meta') }],
    reason: null,
    apiVersion: 3,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    ...overrides,
  };
}

/** Resolves with the value, or rejects if the promise is still pending after the current turn. */
export async function settledNow<T>(promise: Promise<T>): Promise<T> {
  const pending = Symbol('pending');
  const result = await Promise.race([
    promise,
    new Promise<typeof pending>((r) => setImmediate(() => r(pending))),
  ]);
  if (result === pending) throw new Error('expected the promise to be settled');
  return result as T;
}

/** True while the promise has not settled (checked after the current turn). */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  const result = await Promise.race([
    promise,
    new Promise<typeof pending>((r) => setImmediate(() => r(pending))),
  ]);
  return result === pending;
}

/** Polls until `check` returns true or the deadline passes. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface JoinedMember {
  memberId: string;
  generationId: number;
  result: JoinGroupOutput;
}

/**
 * Builds a Stable group of `count` dynamic members (v3 joins, initial delay 0): each newcomer makes the
 * others rejoin. Returns the members in join order (the first is the leader) and the generation.
 */
export async function stableGroup(
  coordinator: GroupCoordinator,
  count: number,
  groupId = 'g',
): Promise<{ members: string[]; generationId: number; leader: string }> {
  const members: string[] = [];
  let generationId = 0;
  for (let i = 0; i < count; i++) {
    // The newcomer first: it starts the rebalance that the others then rejoin.
    const newcomer = coordinator.joinGroup(joinInput({ groupId, clientId: `c${i}` }));
    const rejoins = members.map((memberId, j) =>
      coordinator.joinGroup(joinInput({ groupId, memberId, clientId: `c${j}` })),
    );
    const [joined, ...others] = await Promise.all([newcomer, ...rejoins]);
    for (const r of [joined, ...others])
      if (r.errorCode !== 0) throw new Error(`join failed with ${r.errorCode}`);
    generationId = joined.generationId;
    members.push(joined.memberId);
  }
  const leader = members[0];
  const syncs = members.map((memberId) =>
    coordinator.syncGroup({
      groupId,
      generationId,
      memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments:
        memberId === leader
          ? members.map((m) => ({ memberId: m, assignment: Buffer.from(`assignment-${m}`) }))
          : [],
    }),
  );
  await Promise.all(syncs);
  return { members, generationId, leader };
}
