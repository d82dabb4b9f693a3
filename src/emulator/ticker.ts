/**
 * One drift-corrected 20 ms schedule shared by many calls. Tick k falls due at
 * `start + k * period` however late the timer fired, so frames never drift; when the event
 * loop stalls, the missed ticks run back to back (up to `maxCatchUp`, then the schedule skips
 * ahead and counts the skipped ticks). Sharing one timer among hundreds of calls keeps the
 * load generator cheap.
 *
 * Subscribers are spread over `phases` evenly spaced offsets within the period (each joins the
 * least-used one). Real calls reach a media server at arbitrary phases of their 20 ms clocks;
 * if every emulated call sent its frame in the same instant, a server would see all of its
 * traffic as one burst per period, and a load test would measure how fast it clears the
 * burst rather than how many calls it carries.
 */
import type { Clock, TimerHandle } from '../clock.js';

/** A subscriber: called with each tick's scheduled time (clock ms). */
export type TickHandler = (tickTime: number) => void;

/** How punctual the ticker has been. */
export interface TickerStats {
  /** Periods run (each subscriber was called once per period). */
  readonly ticks: number;
  /** Periods dropped because the loop stalled longer than the catch-up limit. */
  readonly skipped: number;
  /** Largest delay between a tick's due time and when it ran (ms). */
  readonly maxLateMs: number;
  /** 99th percentile of that delay over the last ticks (ms). */
  readonly p99LateMs: number;
}

/** Options of a {@link FrameTicker}. */
export interface FrameTickerOptions {
  /** Periods run back to back after a stall before the rest are skipped (default 50). */
  readonly maxCatchUp?: number;
  /** Evenly spaced offsets within the period that subscribers are spread over: a positive integer (default 1). */
  readonly phases?: number;
  /** Receives what a subscriber threw (the others still run). */
  readonly onError?: (error: unknown) => void;
}

const LATE_SAMPLES = 8192;

/** A periodic, drift-corrected ticker on an injectable clock. Its timers never keep a process alive. */
export class FrameTicker {
  readonly periodMs: number;
  readonly phases: number;
  readonly #clock: Clock;
  readonly #slotMs: number;
  readonly #maxCatchUp: number;
  // One handler set per phase; slot k runs group k % phases, due at start + k * slotMs.
  readonly #groups: Set<TickHandler>[];
  readonly #onError: (error: unknown) => void;
  readonly #late = new Float32Array(LATE_SAMPLES);
  #size = 0;
  #lateCount = 0;
  #maxLate = 0;
  #slotsRun = 0;
  #slotsSkipped = 0;
  #start = 0;
  #k = 0;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, periodMs: number, options: FrameTickerOptions = {}) {
    this.#clock = clock;
    this.periodMs = periodMs;
    this.phases = options.phases ?? 1;
    this.#slotMs = periodMs / this.phases;
    this.#maxCatchUp = (options.maxCatchUp ?? 50) * this.phases;
    this.#groups = Array.from({ length: this.phases }, () => new Set<TickHandler>());
    this.#onError = options.onError ?? (() => {});
  }

  /** Number of subscribers. */
  get size(): number {
    return this.#size;
  }

  /** Add a handler on the least-used phase; returns its unsubscribe function. The ticker runs while it has handlers. */
  subscribe(handler: TickHandler): () => void {
    let group = this.#groups[0] as Set<TickHandler>;
    for (const g of this.#groups) if (g.size < group.size) group = g;
    group.add(handler);
    this.#size++;
    if (this.#timer === undefined) {
      // A fresh schedule: the first tick is one period away.
      const now = this.#clock.now();
      this.#start = now + this.periodMs;
      this.#k = 0;
      this.#schedule(now);
    }
    return () => {
      if (!group.delete(handler)) return;
      this.#size--;
      if (this.#size === 0 && this.#timer !== undefined) {
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
    return {
      ticks: Math.floor(this.#slotsRun / this.phases),
      skipped: Math.round(this.#slotsSkipped / this.phases),
      maxLateMs: this.#maxLate,
      p99LateMs: p99,
    };
  }

  #due(k: number): number {
    return this.#start + k * this.#slotMs;
  }

  // Every slot gets its timer, even one whose phase has no subscribers: a handful of empty
  // timers a period is cheaper than the bookkeeping that would skip them.
  #schedule(now: number): void {
    this.#timer = this.#clock.setTimer(() => this.#fire(), this.#due(this.#k) - now);
  }

  #fire(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    let ran = 0;
    while (this.#size > 0 && this.#due(this.#k) <= now) {
      if (ran === this.#maxCatchUp) {
        const behind = Math.floor((now - this.#due(this.#k)) / this.#slotMs) + 1;
        this.#slotsSkipped += behind;
        this.#k += behind;
        break;
      }
      const due = this.#due(this.#k);
      this.#record(now - due);
      for (const h of this.#groups[this.#k % this.phases] as Set<TickHandler>) {
        try {
          h(due);
        } catch (e) {
          this.#onError(e);
        }
      }
      this.#slotsRun++;
      this.#k++;
      ran++;
    }
    if (this.#size > 0) this.#schedule(this.#clock.now());
  }

  #record(late: number): void {
    this.#late[this.#lateCount % LATE_SAMPLES] = late;
    this.#lateCount++;
    if (late > this.#maxLate) this.#maxLate = late;
  }
}
