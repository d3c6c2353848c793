// The states of a classic consumer group and the transitions allowed between them (Kafka's GroupState).

export const GROUP_STATES = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'] as const;

export type GroupState = (typeof GROUP_STATES)[number];

/**
 * Allowed transitions, from → to. Empty: no members (offsets may remain). PreparingRebalance: waiting for
 * members to (re)join. CompletingRebalance: generation formed, waiting for the leader's assignment.
 * Stable: assignment handed out. Dead: removed (no members, no offsets) or the coordinator closed.
 */
export const GROUP_TRANSITIONS: { readonly [From in GroupState]: readonly GroupState[] } = {
  Empty: ['PreparingRebalance', 'Dead'],
  PreparingRebalance: ['CompletingRebalance', 'Empty', 'Dead'],
  CompletingRebalance: ['Stable', 'PreparingRebalance', 'Dead'],
  Stable: ['PreparingRebalance', 'Dead'],
  Dead: ['Dead'],
};

export function canTransition(from: GroupState, to: GroupState): boolean {
  return GROUP_TRANSITIONS[from].includes(to);
}

export function isGroupState(value: string): value is GroupState {
  return (GROUP_STATES as readonly string[]).includes(value);
}

/** A transition outside the table: a bug in the coordinator, never caused by a client. */
export class IllegalGroupTransitionError extends Error {
  readonly code = 'ILLEGAL_GROUP_TRANSITION';
  readonly groupId: string;
  readonly from: GroupState;
  readonly to: GroupState;

  constructor(groupId: string, from: GroupState, to: GroupState) {
    super(`group '${groupId}' cannot go from ${from} to ${to}`);
    this.name = 'IllegalGroupTransitionError';
    this.groupId = groupId;
    this.from = from;
    this.to = to;
  }
}
