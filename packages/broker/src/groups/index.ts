// The consumer-group coordinator: classic rebalance protocol and durable committed offsets.
export type {
  DescribedGroup,
  DescribedGroupMember,
  GroupCoordinatorConfig,
  HeartbeatInput,
  JoinGroupInput,
  JoinGroupMember,
  JoinGroupOutput,
  JoinGroupProtocol,
  LeaveGroupInput,
  LeaveGroupOutput,
  ListedGroup,
  OffsetCommitInput,
  OffsetCommitOutput,
  OffsetFetchOutput,
  SyncGroupInput,
  SyncGroupOutput,
} from './coordinator-api.ts';
export { type Deadline, DeadlineQueue, systemTimers, type TimerSource } from './deadline-queue.ts';
export { ErrorCodes, type GroupErrorCode } from './error-codes.ts';
export {
  GroupCoordinator,
  GroupCoordinatorConfigError,
  MAX_OFFSET_METADATA_LENGTH,
} from './group-coordinator.ts';
export {
  canTransition,
  GROUP_STATES,
  GROUP_TRANSITIONS,
  type GroupState,
  IllegalGroupTransitionError,
} from './group-state.ts';
export { type CommittedOffset, OffsetJournalCorruptError } from './offset-journal.ts';
export {
  JOURNAL_FILE,
  type OffsetCommitEntry,
  OffsetStore,
  OffsetStoreError,
  type OffsetStoreOptions,
} from './offset-store.ts';
