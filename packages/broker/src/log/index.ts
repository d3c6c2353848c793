// The broker's storage: topics, partition logs, segments, recovery, retention and the flush policy.
export { type FlushPolicy, FlushScheduler, type FsyncObserver } from './flush-scheduler.ts';
export { LogError, type LogErrorCode, validateTopicName } from './log-error.ts';
export { type LogConfig, LogManager, type TopicInfo } from './log-manager.ts';
export { type AppendResult, PartitionLog } from './partition-log.ts';
