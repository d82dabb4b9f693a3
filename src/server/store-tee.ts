/**
 * A {@link StreamStore} that forwards every write to the real store and reports it as a
 * {@link StoreRecord}. The server hands this to its store glue, so a live view (the
 * dashboard) sees exactly the rows the store is given, with the same times, instead of a
 * second copy of the mapping from call and agent events to rows.
 */
import type { StreamStatusEvent } from '../protocol/status.js';
import type {
  FrameCounters,
  ListQuery,
  LogLine,
  LogPage,
  LogQuery,
  PruneResult,
  StoreStats,
  StreamDetail,
  StreamEnd,
  StreamPage,
  StreamStart,
  StreamStore,
  TimelineInput,
  TurnRecord,
} from '../store/types.js';

/** One write the server made about a stream (log lines excepted: they go straight from the logger to the store). */
export type StoreRecord =
  | { readonly kind: 'started'; readonly start: StreamStart }
  | { readonly kind: 'counters'; readonly streamId: string; readonly counters: FrameCounters }
  | { readonly kind: 'ended'; readonly streamId: string; readonly end: StreamEnd }
  | { readonly kind: 'status'; readonly event: StreamStatusEvent; readonly receivedAt: number }
  | { readonly kind: 'event'; readonly streamId: string; readonly event: TimelineInput }
  | { readonly kind: 'turn'; readonly streamId: string; readonly turn: TurnRecord }
  | { readonly kind: 'recording'; readonly streamId: string; readonly path: string };

/** Wraps a store; writes go to it first, then to `emit`. Reads pass straight through. */
export class StoreTee implements StreamStore {
  readonly #inner: StreamStore;
  readonly #emit: (record: StoreRecord) => void;

  constructor(inner: StreamStore, emit: (record: StoreRecord) => void) {
    this.#inner = inner;
    this.#emit = emit;
  }

  streamStarted(start: StreamStart): string {
    const streamId = this.#inner.streamStarted(start);
    this.#emit({ kind: 'started', start: streamId === start.streamId ? start : { ...start, streamId } });
    return streamId;
  }

  counters(streamId: string, counters: FrameCounters): void {
    this.#inner.counters(streamId, counters);
    this.#emit({ kind: 'counters', streamId, counters });
  }

  streamEnded(streamId: string, end: StreamEnd): void {
    this.#inner.streamEnded(streamId, end);
    this.#emit({ kind: 'ended', streamId, end });
  }

  statusCallback(event: StreamStatusEvent, receivedAt = Date.now()): void {
    // The time is fixed here so the store and the live view agree on it.
    this.#inner.statusCallback(event, receivedAt);
    this.#emit({ kind: 'status', event, receivedAt });
  }

  event(streamId: string, event: TimelineInput): void {
    this.#inner.event(streamId, event);
    this.#emit({ kind: 'event', streamId, event });
  }

  turn(streamId: string, turn: TurnRecord): void {
    this.#inner.turn(streamId, turn);
    this.#emit({ kind: 'turn', streamId, turn });
  }

  log(streamId: string, line: LogLine): void {
    this.#inner.log(streamId, line);
  }

  recording(streamId: string, path: string): void {
    this.#inner.recording(streamId, path);
    this.#emit({ kind: 'recording', streamId, path });
  }

  listStreams(query?: ListQuery): Promise<StreamPage> {
    return this.#inner.listStreams(query);
  }

  getStream(streamId: string): Promise<StreamDetail | undefined> {
    return this.#inner.getStream(streamId);
  }

  findStream(ref: string): Promise<string | undefined> {
    return this.#inner.findStream(ref);
  }

  logs(streamId: string, query?: LogQuery): Promise<LogPage> {
    return this.#inner.logs(streamId, query);
  }

  prune(olderThan: number): Promise<PruneResult> {
    return this.#inner.prune(olderThan);
  }

  endOrphans(before: number, reason?: string): Promise<number> {
    return this.#inner.endOrphans(before, reason);
  }

  stats(): StoreStats {
    return this.#inner.stats();
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
