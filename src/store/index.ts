/**
 * `callwire/store`: what happened on every stream, durably. One interface
 * ({@link StreamStore}), a SQLite file store, an in-memory store, and the call recorder.
 */
export { BufferedStreamStore, type StoreOptions } from './buffered-store.js';
export { MemoryStreamStore, type MemoryStoreOptions } from './memory-store.js';
export { CallRecorder, DEFAULT_RECORDINGS_DIR, recordingFileName, type CallRecorderOptions, type RecordingResult } from './recorder.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './schema.js';
export { DEFAULT_DB_PATH, SqliteStreamStore, type SqliteStoreOptions } from './sqlite-store.js';
export {
  HANGUP_BY,
  LATENCY_STAGES,
  ZERO_COUNTERS,
  type FrameCounters,
  type Hangup,
  type HangupBy,
  type JsonValue,
  type StoredLedger,
  type ListQuery,
  type LogLevel,
  type LogLine,
  type LogPage,
  type LogQuery,
  type PruneResult,
  type StoreErrorInfo,
  type StoreStats,
  type StoredEvent,
  type StoredLogLine,
  type StoredStatusCallback,
  type StreamDetail,
  type StreamEnd,
  type StreamPage,
  type StreamStart,
  type StreamStore,
  type StreamSummary,
  type TimelineEvent,
  type TimelineEventType,
  type TimelineInput,
  type TurnRecord,
  type WriteStats,
} from './types.js';
export type { BatchSink, WriteQueueOptions } from './write-queue.js';
