/**
 * One drift-corrected 20 ms schedule shared by many calls. Tick k falls due at
 * `start + k * period` however late the timer fired, so frames never drift; when the event
 * loop stalls, the missed ticks run back to back (up to `maxCatchUp`, then the schedule skips
 * ahead and counts the skipped ticks). Sharing one timer among hundreds of calls keeps the
 * load generator cheap.
 */
import type { Clock, TimerHandle } from '../clock.js';

/** A subscriber: called with each tick's scheduled time (clock ms). */
export type TickHandler = (tickTime: number) => void;

/** How punctual the ticker has been. */
export interface TickerStats {
  readonly ticks: number;
  /** Ticks dropped because the loop stalled longer than the catch-up limit. */
  readonly skipped: number;
  /** Largest delay between a tick's due time and when it ran (ms). */
  readonly maxLateMs: number;
  /** 99th percentile of that delay over the last ticks (ms). */
  readonly p99LateMs: number;
}

const LATE_SAMPLES = 8192;

/** A periodic, drift-corrected ticker on an injectable clock. Its timers never keep a process alive. */
export class FrameTicker {
  readonly periodMs: number;
  readonly #clock: Clock;
  readonly #maxCatchUp: number;
  readonly #handlers = new Set<TickHandler>();
  readonly #onError: (error: unknown) => void;
  readonly #late = new Float32Array(LATE_SAMPLES);
  #lateCount = 0;
  #maxLate = 0;
  #ticks = 0;
  #skipped = 0;
  #start = 0;
  #k = 0;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, periodMs: number, options: { maxCatchUp?: number; onError?: (error: unknown) => void } = {}) {
    this.#clock = clock;
    this.periodMs = periodMs;
    this.#maxCatchUp = options.maxCatchUp ?? 50;
    this.#onError = options.onError ?? (() => {});
  }

  /** Number of subscribers. */
  get size(): number {
    return this.#handlers.size;
  }

  /** Add a handler; returns its unsubscribe function. The ticker runs while it has handlers. */
  subscribe(handler: TickHandler): () => void {
    this.#handlers.add(handler);
    if (this.#timer === undefined) {
      this.#start = this.#clock.now() + this.periodMs;
      this.#k = 0;
      this.#timer = this.#clock.setTimer(() => this.#fire(), this.periodMs);
    }
    return () => {
      this.#handlers.delete(handler);
      if (this.#handlers.size === 0 && this.#timer !== undefined) {
        this.#clock.clearTimer(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** Punctuality so far. */
  stats(): TickerStats {
    const n = Math.min(this.#lateCount, LATE_SAMPLES);
    const sorted = this.#late.slice(0, n).sort();
    const p99 = n === 0 ? 0 : (sorted[Math.min(n - 1, Math.floor(n * 0.99))] as number);
    return { ticks: this.#ticks, skipped: this.#skipped, maxLateMs: this.#maxLate, p99LateMs: p99 };
  }

  #fire(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    let due = this.#start + this.#k * this.periodMs;
    let ran = 0;
    while (due <= now && this.#handlers.size > 0) {
      if (ran === this.#maxCatchUp) {
        const behind = Math.floor((now - due) / this.periodMs) + 1;
        this.#skipped += behind;
        this.#k += behind;
        break;
      }
      this.#record(now - due);
      for (const h of this.#handlers) {
        try {
          h(due);
        } catch (e) {
          this.#onError(e);
        }
      }
      this.#ticks++;
      this.#k++;
      ran++;
      due = this.#start + this.#k * this.periodMs;
    }
    if (this.#handlers.size > 0) {
      due = this.#start + this.#k * this.periodMs;
      this.#timer = this.#clock.setTimer(() => this.#fire(), due - this.#clock.now());
    }
  }

  #record(late: number): void {
    this.#late[this.#lateCount % LATE_SAMPLES] = late;
    this.#lateCount++;
    if (late > this.#maxLate) this.#maxLate = late;
  }
}
