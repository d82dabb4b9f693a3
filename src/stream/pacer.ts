/**
 * One shared timer for every call's outbound audio. Players register while they have
 * frames to send; each tick asks them to top up to their target lead. Scheduling is
 * drift-corrected: the next tick is due `tickMs` after the previous *due* time, and players
 * compute their lead from the monotonic clock, so a late tick sends more, never less.
 */
import { type Clock, type TimerHandle, defaultClock } from '../clock.js';

/** Something the pacer drives. */
export interface Pumpable {
  /** Send what is due at `now`; return false once there is nothing left to send. */
  pump(now: number): boolean;
}

export class Pacer {
  readonly clock: Clock;
  readonly tickMs: number;
  readonly #active = new Set<Pumpable>();
  #timer: TimerHandle | undefined;
  #due = 0;
  /** Largest observed lateness of a tick (ms), for diagnostics. */
  maxTickLateMs = 0;
  ticks = 0;

  constructor(clock: Clock = defaultClock, tickMs = 10) {
    this.clock = clock;
    this.tickMs = tickMs;
  }

  /** Number of players with audio queued. */
  get activeCount(): number {
    return this.#active.size;
  }

  /** Start driving `p` until its pump returns false. */
  add(p: Pumpable): void {
    this.#active.add(p);
    if (this.#timer === undefined) {
      this.#due = this.clock.now() + this.tickMs;
      this.#timer = this.clock.setTimer(this.#tick, this.tickMs);
    }
  }

  remove(p: Pumpable): void {
    this.#active.delete(p);
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    const now = this.clock.now();
    this.ticks++;
    this.maxTickLateMs = Math.max(this.maxTickLateMs, now - this.#due);
    for (const p of [...this.#active]) {
      let more = false;
      try {
        more = p.pump(now);
      } catch {
        more = false;
      }
      if (!more) this.#active.delete(p);
    }
    if (this.#active.size === 0) return;
    // Drift correction: aim at the next multiple of tickMs after the previous due time.
    this.#due += this.tickMs;
    if (this.#due < now) this.#due = now + this.tickMs;
    this.#timer = this.clock.setTimer(this.#tick, this.#due - now);
  };
}

/** The process-wide pacer used unless one is injected. */
export const sharedPacer = new Pacer();
