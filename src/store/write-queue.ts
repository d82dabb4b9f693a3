/**
 * The store's write path: a bounded, tiered queue and a flusher that writes batches in one
 * transaction each, on a short interval or as soon as a batch is full. The media path only
 * ever calls {@link WriteQueue.push}, which is O(1) and never throws.
 *
 * Failures: a transient backend error (disk full, read-only, busy, I/O) retries the batch
 * with exponential backoff, then drops its logs, events and counters but keeps its records
 * (stream start and end, turns, callbacks, recording links): they go with the next batch, or
 * on a backoff timer while the disk stays sick, so a call that ended while the disk was full
 * is not left "live" and the next call's record is not lost once space returns. Any other
 * error replays the batch row by row so one bad row cannot take 500 good ones with it. The
 * queue is bounded in rows and in bytes: past either, it evicts the oldest debug log lines
 * first, then timeline events, then records. Everything dropped is counted.
 */
import { type Clock, defaultClock } from '../clock.js';
import { clampText } from './sanitize.js';
import type { StoreErrorInfo, WriteStats } from './types.js';
import { type StoreWrite, type WriteTier, tierOf, writeBytes } from './writes.js';

/** What a backend provides to the queue. */
export interface BatchSink {
  /** Apply the writes atomically (one transaction); throw on failure. */
  apply(batch: readonly StoreWrite[]): void;
  /** Whether retrying the same batch later can succeed (disk full, read-only, busy, I/O error). */
  isTransient(error: unknown): boolean;
  /** The backend's error code, for stats (e.g. SQLITE_FULL). */
  backendCode(error: unknown): string | undefined;
}

/** Tuning of the write path; the defaults suit one server process. */
export interface WriteQueueOptions {
  /** Timers for flush and backoff; default the system clock. */
  readonly clock?: Clock;
  /** Wall clock for error timestamps; default Date.now. */
  readonly now?: () => number;
  /** How long a write may wait before its batch is written; default 200 ms. */
  readonly flushIntervalMs?: number;
  /** Rows per transaction; a full batch is written at once. Default 500. */
  readonly maxBatch?: number;
  /** Rows held in memory at most; beyond it rows are evicted (logs first). Default 20,000. */
  readonly maxPending?: number;
  /** Bytes of rows held in memory at most (an estimate per row); beyond it rows are evicted (logs first). Default 32 MiB. */
  readonly maxPendingBytes?: number;
  /** Retries of a batch after a transient failure before it is dropped; default 3. */
  readonly maxRetries?: number;
  /** First retry delay, doubled each time; default 100 ms. */
  readonly retryBaseMs?: number;
  /** Cap of the retry delay; default 5,000 ms. */
  readonly retryMaxMs?: number;
  /** Called on every failed write attempt (for a log line; stats are kept regardless). */
  readonly onWriteError?: (info: StoreErrorInfo) => void;
}

/** An array-backed FIFO with O(1) amortised shift. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head++] as T;
    // Compact once the consumed prefix dominates, so memory tracks the live length.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The bounded write queue and its flusher. */
export class WriteQueue {
  readonly #sink: BatchSink;
  readonly #clock: Clock;
  readonly #now: () => number;
  readonly #interval: number;
  readonly #maxBatch: number;
  readonly #maxPending: number;
  readonly #maxBytes: number;
  readonly #maxRetries: number;
  readonly #retryBase: number;
  readonly #retryMax: number;
  readonly #onWriteError: ((info: StoreErrorInfo) => void) | undefined;
  readonly #tiers: [Fifo<StoreWrite>, Fifo<StoreWrite>, Fifo<StoreWrite>] = [new Fifo(), new Fifo(), new Fifo()];
  /** Records whose batch the backend refused with a transient error: retried first, with the next batch. */
  #parked: StoreWrite[] = [];
  /** Estimated bytes of the queued and parked rows. */
  #bytes = 0;
  #inflight = 0;
  #timer: ReturnType<Clock['setTimer']> | undefined;
  #draining: Promise<void> | undefined;
  #closed = false;
  /** Ends the current backoff wait early (close() does not wait out a sick disk's backoff). */
  #wake: (() => void) | undefined;
  /** Consecutive failed attempts: later batches wait this out too instead of hammering a sick disk. */
  #failures = 0;
  #written = 0;
  #dropped = 0;
  #droppedLogs = 0;
  #errors = 0;
  #lastError: StoreErrorInfo | undefined;

  constructor(sink: BatchSink, options: WriteQueueOptions = {}) {
    this.#sink = sink;
    this.#clock = options.clock ?? defaultClock;
    this.#now = options.now ?? Date.now;
    this.#interval = Math.max(0, options.flushIntervalMs ?? 200);
    this.#maxBatch = Math.max(1, options.maxBatch ?? 500);
    this.#maxPending = Math.max(1, options.maxPending ?? 20_000);
    this.#maxBytes = Math.max(1, options.maxPendingBytes ?? 32 * 1024 * 1024);
    this.#maxRetries = Math.max(0, options.maxRetries ?? 3);
    this.#retryBase = Math.max(1, options.retryBaseMs ?? 100);
    this.#retryMax = Math.max(this.#retryBase, options.retryMaxMs ?? 5000);
    this.#onWriteError = options.onWriteError;
  }

  get #queued(): number {
    return this.#tiers[0].length + this.#tiers[1].length + this.#tiers[2].length;
  }

  /** Queued, parked and in-flight rows. */
  get #held(): number {
    return this.#queued + this.#parked.length + this.#inflight;
  }

  /** Estimated bytes of the rows held in memory (queued and parked). */
  get pendingBytes(): number {
    return this.#bytes;
  }

  /** Current counters. */
  stats(): WriteStats {
    return {
      pendingWrites: this.#held,
      writtenRows: this.#written,
      droppedRows: this.#dropped,
      droppedLogRows: this.#droppedLogs,
      writeErrors: this.#errors,
      lastError: this.#lastError,
    };
  }

  /** Enqueue one write. O(1), never throws; drops (and counts) when closed or full. */
  push(write: StoreWrite): void {
    if (this.#closed) {
      this.#drop(write);
      return;
    }
    const tier = tierOf(write);
    const bytes = writeBytes(write);
    while (this.#held >= this.#maxPending || this.#bytes + bytes > this.#maxBytes) {
      if (!this.#evictFor(tier)) {
        this.#drop(write);
        return;
      }
    }
    this.#tiers[tier].push(write);
    this.#bytes += bytes;
    this.#schedule();
  }

  /** Write everything queued (retrying as configured); resolves when the queue is empty. */
  async flush(): Promise<void> {
    this.#cancelTimer();
    // Records parked by a sick disk get one more round of attempts (not a wait for ever).
    if (this.#parked.length > 0 && this.#draining === undefined) await this.#drain();
    while (this.#queued > 0 || this.#draining !== undefined) await (this.#draining ?? this.#drain());
  }

  /** Refuse further writes, then write what is queued (one attempt per batch if the disk is failing). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.flush();
    this.#cancelTimer();
  }

  /**
   * Count a write that never reached the queue (its input could not be normalised) or a
   * failed maintenance task (prune), as a drop and/or an error with the given code.
   */
  reportFailure(error: unknown, code: string, droppedRows: number): void {
    this.#dropped += droppedRows;
    this.#recordError(error, code);
  }

  /** Count a write discarded on purpose before it was queued (e.g. over a per-stream cap). */
  discard(write: StoreWrite): void {
    this.#drop(write);
  }

  #drop(write: StoreWrite): void {
    this.#dropped++;
    if (write.kind === 'log') this.#droppedLogs++;
  }

  // Evict the oldest row of the lowest-value tier, if it is not more valuable than the newcomer
  // (parked records count as the oldest records).
  #evictFor(incoming: WriteTier): boolean {
    for (let t = 2; t >= incoming; t--) {
      const victim = t === 0 && this.#parked.length > 0 ? this.#parked.shift() : this.#tiers[t as WriteTier].shift();
      if (victim !== undefined) {
        this.#bytes -= writeBytes(victim);
        this.#drop(victim);
        return true;
      }
    }
    return false;
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimer(this.#timer);
      this.#timer = undefined;
    }
  }

  #backoff(attempt: number): number {
    return Math.min(this.#retryMax, this.#retryBase * 2 ** Math.max(0, attempt - 1));
  }

  #schedule(): void {
    if (this.#draining !== undefined) return;
    const due = this.#queued >= this.#maxBatch ? 0 : this.#interval;
    const delay = this.#failures > 0 ? Math.max(due, this.#backoff(this.#failures)) : due;
    if (this.#timer !== undefined) {
      if (delay > 0) return;
      this.#cancelTimer(); // a full batch should not wait for the interval
    }
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      void this.#drain();
    }, delay);
  }

  #drain(): Promise<void> {
    this.#draining ??= (async () => {
      try {
        let first = true;
        while (this.#queued > 0 || (first && this.#parked.length > 0)) {
          first = false;
          await this.#write(this.#take());
          // Let sockets and timers run between batches: a backlog must not stall the media path.
          await yieldToLoop();
        }
      } finally {
        this.#draining = undefined;
        if ((this.#queued > 0 || this.#parked.length > 0) && !this.#closed) this.#schedule();
      }
    })();
    return this.#draining;
  }

  #take(): StoreWrite[] {
    // Parked records first (they are the oldest), whole: a batch may exceed maxBatch by them.
    const batch: StoreWrite[] = this.#parked;
    this.#parked = [];
    for (const fifo of this.#tiers) {
      while (batch.length < this.#maxBatch) {
        const w = fifo.shift();
        if (w === undefined) break;
        batch.push(w);
      }
    }
    for (const w of batch) this.#bytes -= writeBytes(w);
    this.#inflight = batch.length;
    return batch;
  }

  // A batch the backend refused with a transient error, retries spent: records wait for the
  // next batch (bounded: they count against the queue's rows and bytes); the rest is dropped.
  #giveUp(batch: readonly StoreWrite[]): void {
    for (const w of batch) {
      if (this.#closed || tierOf(w) !== 0) {
        this.#drop(w);
        continue;
      }
      const bytes = writeBytes(w);
      if (this.#queued + this.#parked.length >= this.#maxPending || this.#bytes + bytes > this.#maxBytes) {
        this.#drop(w);
        continue;
      }
      this.#parked.push(w);
      this.#bytes += bytes;
    }
  }

  async #write(batch: StoreWrite[]): Promise<void> {
    try {
      for (let attempt = 0; ; attempt++) {
        if (this.#failures > 0 && attempt === 0 && !this.#closed) await this.#sleep(this.#backoff(this.#failures));
        try {
          this.#sink.apply(batch);
          this.#written += batch.length;
          this.#failures = 0;
          return;
        } catch (e) {
          this.#recordError(e);
          if (!this.#sink.isTransient(e)) {
            this.#writeRows(batch);
            return;
          }
          this.#failures++;
          // Closing (shutdown) allows no more retries: a sick disk must not hold up exit.
          if (attempt >= this.#maxRetries || this.#closed) {
            this.#giveUp(batch);
            return;
          }
          await this.#sleep(this.#backoff(attempt + 1));
        }
      }
    } finally {
      this.#inflight = 0;
    }
  }

  // A batch failed for a reason other than the disk: isolate the bad rows.
  #writeRows(batch: readonly StoreWrite[]): void {
    for (const w of batch) {
      try {
        this.#sink.apply([w]);
        this.#written++;
      } catch (e) {
        this.#recordError(e);
        this.#drop(w);
      }
    }
  }

  #recordError(e: unknown, code = 'STORE_WRITE_FAILED'): void {
    this.#errors++;
    const info: StoreErrorInfo = {
      code,
      backendCode: this.#sink.backendCode(e),
      message: clampText(e instanceof Error ? e.message : String(e), 300),
      at: this.#now(),
    };
    this.#lastError = info;
    try {
      this.#onWriteError?.(info);
    } catch {
      // A failing error hook must not break the write path.
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.#clock.setTimer(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        this.#clock.clearTimer(handle);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}
