/**
 * The backend-independent half of a {@link StreamStore}: the fire-and-forget write methods
 * (normalise, enqueue, never throw), stats, flush/close and the retention timer. A backend
 * supplies a {@link BatchSink} and the reads.
 */
import { randomUUID } from 'node:crypto';
import { type Clock, type TimerHandle, defaultClock } from '../clock.js';
import type { StreamStatusEvent } from '../protocol/status.js';
import { clampText } from './sanitize.js';
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
import { LIMITS, type StoreWrite, writes } from './writes.js';

/** Options every store accepts: the write path's tuning plus retention. */
export interface StoreOptions extends WriteQueueOptions {
  /** Delete streams this long after they ended; default 30 days; `null` keeps them forever. */
  readonly retentionMs?: number | null;
  /** How often retention runs; default 1 hour. */
  readonly pruneIntervalMs?: number;
  /**
   * Debug log lines kept per stream; default 20,000. A loop logging every frame would
   * otherwise write 180,000 lines an hour per call. The line that hits the cap is replaced
   * by a warning saying so; later lines are dropped and counted (`droppedLogRows`).
   */
  readonly maxLogLinesPerStream?: number;
}

// Per-stream log counts are tracked for this many recent streams (oldest forgotten first).
const TRACKED_STREAMS = 10_000;

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
  readonly #maxLogLines: number;
  readonly #logLines = new Map<string, number>();
  /** Record ids started by this process, newest last (bounded): their rows may still be queued. */
  readonly #claimed = new Set<string>();
  /** A stream id -> the record id its latest stream was given, when that differs (log lines follow it). */
  readonly #aliases = new Map<string, string>();
  #closed = false;

  protected constructor(sink: BatchSink, options: StoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.#clock = options.clock ?? defaultClock;
    this.queue = new WriteQueue(sink, { ...options, now: this.now, clock: this.#clock });
    this.#retentionMs = options.retentionMs === undefined ? 30 * DAY_MS : options.retentionMs;
    this.#pruneIntervalMs = Math.max(1000, options.pruneIntervalMs ?? 3_600_000);
    this.#maxLogLines = Math.max(1, options.maxLogLinesPerStream ?? 20_000);
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

  #enqueue(build: () => StoreWrite | undefined): void {
    try {
      const w = build();
      if (w !== undefined) this.queue.push(w);
    } catch (e) {
      // Only input that is not an object at all gets here (e.g. `null` from untyped code).
      this.queue.reportFailure(e, 'STORE_INVALID_INPUT', 1);
    }
  }

  streamStarted(start: StreamStart): string {
    let id = typeof start?.streamId === 'string' ? clampText(start.streamId, LIMITS.id) : '';
    this.#enqueue(() => {
      const w = writes.streamStarted(start);
      if (w.kind !== 'stream_started') return w;
      id = this.#claim(w.start.streamId);
      if (id === w.start.streamId) return w;
      this.#remember(this.#aliases, w.start.streamId, id);
      return { ...w, start: { ...w.start, streamId: id } };
    });
    return id;
  }

  /**
   * A record id no stream of this store has had: the stream id itself, or `<id>~2`, `~3`...
   * A stream id is unique for the life of the store, so a second stream with a used id (a
   * replay, a buggy client) gets its own record and never overwrites the first one's.
   */
  #claim(streamId: string): string {
    const taken = (id: string): boolean => {
      if (this.#claimed.has(id)) return true;
      try {
        return this.streamExists(id);
      } catch {
        return false;
      }
    };
    let id = streamId;
    if (taken(id)) {
      const base = streamId.slice(0, LIMITS.id - 12);
      id = '';
      for (let n = 2; n < 100 && id === ''; n++) if (!taken(`${base}~${n}`)) id = `${base}~${n}`;
      if (id === '') id = `${base}~${randomUUID().slice(0, 8)}`;
    }
    this.#remember(this.#claimed, id, id);
    return id;
  }

  #remember(into: Set<string> | Map<string, string>, key: string, value: string): void {
    if (into instanceof Set) into.add(key);
    else into.set(key, value);
    if (into.size > TRACKED_STREAMS) into.delete(into.keys().next().value as string);
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
  log(logged: string, line: LogLine): void {
    // A logger knows only the stream id: its lines go to the latest stream that had it.
    const streamId = this.#aliases.get(logged) ?? logged;
    this.#enqueue(() => {
      const w = writes.log(streamId, line);
      const n = (this.#logLines.get(streamId) ?? 0) + 1;
      // Re-insert so the map's order is least recently logged first.
      this.#logLines.delete(streamId);
      this.#logLines.set(streamId, n);
      if (this.#logLines.size > TRACKED_STREAMS) this.#logLines.delete(this.#logLines.keys().next().value as string);
      if (n < this.#maxLogLines) return w;
      this.queue.discard(w);
      if (n > this.#maxLogLines) return undefined;
      return writes.log(streamId, { at: line.at, level: 'warn', msg: `log truncated: more than ${this.#maxLogLines - 1} lines for this stream` });
    });
  }
  async endOrphans(before: number, reason = 'stream left open: its server stopped before the stream ended'): Promise<number> {
    await this.flush();
    return this.endOrphansBackend(before, clampText(reason, 500));
  }
  recording(streamId: string, path: string): void {
    this.#enqueue(() => writes.recording(streamId, path, this.now()));
  }

  abstract listStreams(query?: ListQuery): Promise<StreamPage>;
  abstract getStream(streamId: string): Promise<StreamDetail | undefined>;
  abstract findStream(ref: string): Promise<string | undefined>;
  abstract logs(streamId: string, query?: LogQuery): Promise<LogPage>;

  /** Whether a stream record with this id has started (synchronous: checked when a stream starts). */
  protected abstract streamExists(streamId: string): boolean;
  /** Delete by age (and by the backend's size cap, if any). */
  protected abstract pruneBackend(olderThan: number): Promise<PruneResult>;
  /** End live streams last updated before `before` (see {@link StreamStore.endOrphans}). */
  protected abstract endOrphansBackend(before: number, reason: string): Promise<number>;
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
