export { ProducerIdManager } from './producer-id-manager.ts';
export {
  type ProducerBatch,
  type ProducerEntry,
  ProducerStateTable,
  type SequenceCheck,
} from './producer-state.ts';
