/**
 * The stream store's data model and its one interface, {@link StreamStore}: what the
 * server writes about each Plivo stream and what the dashboard and `callwire logs` read.
 * Wall-clock fields are epoch milliseconds.
 */
import type { StreamStatusEvent } from '../protocol/status.js';

/** A JSON value as stored in event data and log fields. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Who ended a stream. */
export type HangupBy = 'caller' | 'agent' | 'socket_error' | 'timeout' | 'drain' | 'server' | 'keepalive';

/** Every {@link HangupBy} value. */
export const HANGUP_BY: readonly HangupBy[] = ['caller', 'agent', 'socket_error', 'timeout', 'drain', 'server', 'keepalive'];

/** Who ended the stream and why (e.g. `{by: 'timeout', reason: 'no media for 30 s', code: 'STREAM_KEEPALIVE_TIMEOUT'}`). */
export interface Hangup {
  readonly by: HangupBy;
  readonly reason: string;
  /** A stable error code when an error ended it. */
  readonly code?: string;
}

/** Per-stream frame counters. */
export interface FrameCounters {
  readonly framesIn: number;
  readonly framesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Inbound frames missing by sequence number. */
  readonly gaps: number;
  /** Frames that arrived later than their slot. */
  readonly lateFrames: number;
  /** Frames that failed to parse or decode. */
  readonly badFrames: number;
}

/** All-zero counters. */
export const ZERO_COUNTERS: FrameCounters = Object.freeze({ framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, gaps: 0, lateFrames: 0, badFrames: 0 });

/** What is known when a stream's `start` message arrives. */
export interface StreamStart {
  readonly streamId: string;
  readonly callId: string;
  readonly accountId?: string;
  readonly from?: string;
  readonly to?: string;
  readonly direction?: 'inbound' | 'outbound';
  /** Stream format name, e.g. `mulaw/8000`. */
  readonly format: string;
  readonly startedAt: number;
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

/** What is known when a stream ends. */
export interface StreamEnd {
  readonly endedAt: number;
  readonly hangup: Hangup;
  /** Final counters; omitted = keep the last {@link StreamStore.counters} update. */
  readonly counters?: FrameCounters;
}

/** One timeline entry: what happened on the stream, as a discriminated union on `type`. */
export type TimelineEvent =
  /** An error with its stable code (provider failure, bad frame, ...). */
  | { readonly type: 'error'; readonly code: string; readonly message: string; readonly retryable?: boolean }
  /** A DTMF digit the caller pressed. */
  | { readonly type: 'dtmf'; readonly digit: string }
  /** The caller spoke over the bot: what the bot was saying vs what the caller heard. */
  | {
      readonly type: 'barge_in';
      readonly turn?: number;
      readonly said: string;
      readonly heard: string;
      /** Milliseconds of bot audio the caller heard before the cut. */
      readonly heardMs?: number;
    }
  /** A playback checkpoint was sent, acknowledged (`playedStream`) or cleared. */
  | { readonly type: 'checkpoint'; readonly name: string; readonly state: 'sent' | 'played' | 'cleared' }
  /** The agent changed state (listening, thinking, speaking, ...). */
  | { readonly type: 'state'; readonly state: string }
  /** Anything else worth a mark on the timeline. */
  | { readonly type: 'note'; readonly name: string; readonly data?: Readonly<Record<string, JsonValue>> };

/** The `type` values of {@link TimelineEvent}. */
export type TimelineEventType = TimelineEvent['type'];

/** A timeline event with its time. */
export type TimelineInput = TimelineEvent & { readonly at: number };

/** A timeline event as read back. */
export type StoredEvent = TimelineInput & { readonly id: number };

/**
 * The latency marks of one turn: named moments in milliseconds on one clock (the agent's
 * monotonic call clock; only differences matter). Well-known names, the agent's
 * `LedgerMarks`, are in {@link LATENCY_STAGES}; others are kept and shown after them.
 */
export type StoredLedger = Readonly<Record<string, number>>;

/** The well-known ledger marks, in pipeline order (the agent's `LedgerMarks`). */
export const LATENCY_STAGES = [
  'speechEnd',
  'endOfTurn',
  'sttFinal',
  'llmRequest',
  'llmFirstToken',
  'toolStart',
  'toolEnd',
  'ttsRequest',
  'ttsFirstByte',
  'firstAudioSent',
  'firstAudioHeard',
] as const;

/** One conversational turn: what the caller said, what the bot said and what was heard. */
export interface TurnRecord {
  /** 0-based turn number within the stream; writing the same index again replaces the turn. */
  readonly index: number;
  readonly startedAt: number;
  readonly userText: string;
  readonly botText: string;
  /** What the caller heard of `botText` (differs when interrupted). */
  readonly heardText?: string;
  readonly interrupted: boolean;
  readonly ledger: StoredLedger;
}

/** Log levels. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One debug log line of a stream. */
export interface LogLine {
  readonly at: number;
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields?: Readonly<Record<string, JsonValue>>;
}

/** A log line as read back, with its id (for paging). */
export type StoredLogLine = LogLine & { readonly id: number };

/** A status callback as stored. */
export interface StoredStatusCallback {
  readonly id: number;
  readonly event: string;
  readonly streamId: string | undefined;
  readonly callId: string | undefined;
  readonly receivedAt: number;
  readonly fields: Readonly<Record<string, string>>;
}

/** A stream in a listing. */
export interface StreamSummary {
  readonly streamId: string;
  readonly callId: string;
  readonly accountId: string | undefined;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly direction: 'inbound' | 'outbound' | undefined;
  readonly format: string | undefined;
  /** Start time; for a stream whose end was recorded but never its start, the first time it was seen. */
  readonly startedAt: number;
  readonly endedAt: number | undefined;
  readonly durationMs: number | undefined;
  readonly status: 'live' | 'ended';
  readonly hangup: Hangup | undefined;
  readonly counters: FrameCounters;
  readonly recordingPath: string | undefined;
  readonly turnCount: number;
  readonly errorCount: number;
}

/** Everything stored about one stream. */
export interface StreamDetail extends StreamSummary {
  readonly extraHeaders: Readonly<Record<string, string>>;
  /** The whole timeline, in time order. */
  readonly events: readonly StoredEvent[];
  /** Status callbacks joined by stream id or call id, in arrival order. */
  readonly statusCallbacks: readonly StoredStatusCallback[];
  readonly turns: readonly TurnRecord[];
  readonly bargeIns: ReadonlyArray<Extract<StoredEvent, { type: 'barge_in' }>>;
  readonly dtmf: ReadonlyArray<Extract<StoredEvent, { type: 'dtmf' }>>;
  readonly errors: ReadonlyArray<Extract<StoredEvent, { type: 'error' }>>;
  readonly logCount: number;
}

/** A query of {@link StreamStore.listStreams}. */
export interface ListQuery {
  /** Default `all`. */
  readonly status?: 'live' | 'ended' | 'all';
  /** Substring of the stream id, call id, from or to. */
  readonly q?: string;
  /** Default 50, at most 500. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** One page of streams, newest first. */
export interface StreamPage {
  readonly streams: readonly StreamSummary[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

/** A query of {@link StreamStore.logs}. */
export interface LogQuery {
  /** Default 500, at most 5000. */
  readonly limit?: number;
  /** Only lines with a larger id (the previous page's `nextAfterId`). */
  readonly afterId?: number;
}

/** One page of log lines, oldest first. */
export interface LogPage {
  readonly lines: readonly StoredLogLine[];
  /** Pass as `afterId` for the next page; absent when this page was not full. */
  readonly nextAfterId?: number;
}

/** What a prune removed. */
export interface PruneResult {
  readonly streams: number;
  readonly statusCallbacks: number;
  readonly recordings: number;
}

/** The last write failure. */
export interface StoreErrorInfo {
  /** callwire code, e.g. STORE_WRITE_FAILED. */
  readonly code: string;
  /** The backend's own code when it has one, e.g. SQLITE_FULL. */
  readonly backendCode: string | undefined;
  readonly message: string;
  readonly at: number;
}

/** Write-path health, exported as metrics. */
export interface WriteStats {
  /** Rows queued or in the batch being written. */
  readonly pendingWrites: number;
  readonly writtenRows: number;
  /** Rows given up on: queue overflow, retries exhausted, a bad row, or written after close. */
  readonly droppedRows: number;
  /** Of droppedRows, debug log lines evicted from a full queue. */
  readonly droppedLogRows: number;
  /** Failed write attempts (each retry counts). */
  readonly writeErrors: number;
  readonly lastError: StoreErrorInfo | undefined;
}

/** {@link WriteStats} plus retention. */
export interface StoreStats extends WriteStats {
  /** Streams deleted by retention or an explicit prune since the store opened. */
  readonly prunedStreams: number;
}

/**
 * The store the server, dashboard and CLI use. Writes are fire-and-forget: they enqueue and
 * return at once, never throw, and are written in batches off the media path. Reads are
 * async so a networked database can implement the same interface.
 */
export interface StreamStore {
  /**
   * A stream's `start` arrived. Returns the id its record is kept under (use it for every
   * later write about this stream): the stream id, or, when a stream with that id was already
   * recorded (ids are unique for the life of the store), a new id `<streamId>~2`, `~3`...
   */
  streamStarted(start: StreamStart): string;
  /** Live counters (ignored once the stream has ended). */
  counters(streamId: string, counters: FrameCounters): void;
  streamEnded(streamId: string, end: StreamEnd): void;
  /** A status callback, keyed by StreamID and/or CallUUID; it may arrive before the stream or after its end. */
  statusCallback(event: StreamStatusEvent, receivedAt?: number): void;
  event(streamId: string, event: TimelineInput): void;
  turn(streamId: string, turn: TurnRecord): void;
  log(streamId: string, line: LogLine): void;
  /** Link a recording file to the stream. */
  recording(streamId: string, path: string): void;

  listStreams(query?: ListQuery): Promise<StreamPage>;
  getStream(streamId: string): Promise<StreamDetail | undefined>;
  /**
   * Resolve a stream id, a call id (its latest stream) or a unique stream-id prefix to a
   * stream id; `undefined` when nothing matches. Rejects with STORE_AMBIGUOUS_ID.
   */
  findStream(ref: string): Promise<string | undefined>;
  logs(streamId: string, query?: LogQuery): Promise<LogPage>;
  /** Delete streams that ended (or went silent while live) before `olderThan`, with their rows and recordings. */
  prune(olderThan: number): Promise<PruneResult>;
  /**
   * After writing what is queued, end every stream still live that was last updated
   * before `before`; resolves with how many. Call it when a server starts: streams a
   * crashed process left open would otherwise show as live until retention removes them.
   * They end when they were last heard of (their latest event or log line), by `server`.
   */
  endOrphans(before: number, reason?: string): Promise<number>;
  stats(): StoreStats;
  /** Write everything queued so far (retrying as configured). */
  flush(): Promise<void>;
  /** Flush, stop timers and release the backend. Later writes are dropped and counted. */
  close(): Promise<void>;
}
