export { openDeadLetters, type DeadLetters, type DeadLetterDetail, type DropSummary } from './admin.js';
export {
  redriveDeadLetters,
  checkSelection,
  RedriveSelectionError,
  type RedriveSelection,
  type RedriveOutcome,
  type RedriveProgress,
  type RedriveResult,
  type RedriveDeps,
} from './redrive.js';
export {
  createDeadLetterStore,
  type DeadLetterEntry,
  type DeadLetterStore,
  type TableDrops,
} from './store.js';
export { DEAD_LETTER_ID_PATTERN, type DeadLetterFilter } from './sql.js';
export { fetchFromS3, type FetchStored } from './envelope.js';
