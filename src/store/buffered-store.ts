/**
 * The backend-independent half of a {@link StreamStore}: the fire-and-forget write methods
 * (normalise, enqueue, never throw), stats, flush/close and the retention timer. A backend
 * supplies a {@link BatchSink} and the reads.
 */
import { type Clock, type TimerHandle, defaultClock } from '../clock.js';
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
} from './types.js';
import { type BatchSink, WriteQueue, type WriteQueueOptions } from './write-queue.js';
import { type StoreWrite, writes } from './writes.js';

/** Options every store accepts: the write path's tuning plus retention. */
export interface StoreOptions extends WriteQueueOptions {
  /** Delete streams this long after they ended; default 30 days; `null` keeps them forever. */
  readonly retentionMs?: number | null;
  /** How often retention runs; default 1 hour. */
  readonly pruneIntervalMs?: number;
}

const DAY_MS = 86_400_000;

/** Base class of the stores: writes, stats, flush, close, retention. */
export abstract class BufferedStreamStore implements StreamStore {
  /** The write queue (exposed to subclasses for error reporting). */
  protected readonly queue: WriteQueue;
  /** Wall clock, epoch ms. */
  protected readonly now: () => number;
  readonly #clock: Clock;
  readonly #retentionMs: number | null;
  readonly #pruneIntervalMs: number;
  #pruneTimer: TimerHandle | undefined;
  #pruned = 0;
  #closed = false;

  protected constructor(sink: BatchSink, options: StoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.#clock = options.clock ?? defaultClock;
    this.queue = new WriteQueue(sink, { ...options, now: this.now, clock: this.#clock });
    this.#retentionMs = options.retentionMs === undefined ? 30 * DAY_MS : options.retentionMs;
    this.#pruneIntervalMs = Math.max(1000, options.pruneIntervalMs ?? 3_600_000);
  }

  /** Start the retention timer (subclasses call this once their backend is open). */
  protected startRetention(): void {
    if (this.#retentionMs === null && !this.hasSizeCap()) return;
    const tick = (): void => {
      this.#pruneTimer = undefined;
      if (this.#closed) return;
      const olderThan = this.#retentionMs === null ? Number.NEGATIVE_INFINITY : this.now() - this.#retentionMs;
      this.prune(olderThan)
        .catch((e: unknown) => this.queue.reportFailure(e, 'STORE_PRUNE_FAILED', 0))
        .finally(() => {
          if (!this.#closed) this.#pruneTimer = this.#clock.setTimer(tick, this.#pruneIntervalMs);
        });
    };
    this.#pruneTimer = this.#clock.setTimer(tick, this.#pruneIntervalMs);
  }

  /** Whether the backend also caps the number of streams (so retention must run). */
  protected hasSizeCap(): boolean {
    return false;
  }

  #enqueue(build: () => StoreWrite): void {
    try {
      this.queue.push(build());
    } catch (e) {
      // Only input that is not an object at all gets here (e.g. `null` from untyped code).
      this.queue.reportFailure(e, 'STORE_INVALID_INPUT', 1);
    }
  }

  streamStarted(start: StreamStart): void {
    this.#enqueue(() => writes.streamStarted(start));
  }
  counters(streamId: string, counters: FrameCounters): void {
    this.#enqueue(() => writes.counters(streamId, counters, this.now()));
  }
  streamEnded(streamId: string, end: StreamEnd): void {
    this.#enqueue(() => writes.streamEnded(streamId, end));
  }
  statusCallback(event: StreamStatusEvent, receivedAt?: number): void {
    this.#enqueue(() => writes.statusCallback(event, receivedAt ?? this.now()));
  }
  event(streamId: string, event: TimelineInput): void {
    this.#enqueue(() => writes.event(streamId, event));
  }
  turn(streamId: string, turn: TurnRecord): void {
    this.#enqueue(() => writes.turn(streamId, turn));
  }
  log(streamId: string, line: LogLine): void {
    this.#enqueue(() => writes.log(streamId, line));
  }
  recording(streamId: string, path: string): void {
    this.#enqueue(() => writes.recording(streamId, path, this.now()));
  }

  abstract listStreams(query?: ListQuery): Promise<StreamPage>;
  abstract getStream(streamId: string): Promise<StreamDetail | undefined>;
  abstract findStream(ref: string): Promise<string | undefined>;
  abstract logs(streamId: string, query?: LogQuery): Promise<LogPage>;

  /** Delete by age (and by the backend's size cap, if any). */
  protected abstract pruneBackend(olderThan: number): Promise<PruneResult>;
  /** Release the backend after the final flush. */
  protected abstract closeBackend(): void;

  async prune(olderThan: number): Promise<PruneResult> {
    const r = await this.pruneBackend(olderThan);
    this.#pruned += r.streams;
    return r;
  }

  stats(): StoreStats {
    return { ...this.queue.stats(), prunedStreams: this.#pruned };
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pruneTimer !== undefined) this.#clock.clearTimer(this.#pruneTimer);
    await this.queue.close();
    this.closeBackend();
  }
}
