/**
 * Time in callwire is milliseconds on a monotonic clock that can be injected, so the
 * pacer, turn-taking and keepalive logic run the same under a {@link ManualClock} in tests.
 */

/** A handle returned by {@link Clock.setTimer}. */
export interface TimerHandle {
  readonly id: number;
}

/** How a timer relates to its process. */
export interface TimerOptions {
  /**
   * Keep the process alive while this timer is pending. Set it on every timer that something
   * awaits (a retry's back-off, a wait in a call script, a timeout racing a socket): without it a
   * process whose only pending work is that timer drains while the await is unsettled, and Node
   * exits with code 13 and no output. Background timers (keepalives, pruning, pacing) leave it off
   * so a forgotten close never holds a process open.
   */
  readonly keepAlive?: boolean;
}

/** Monotonic milliseconds plus one-shot timers. */
export interface Clock {
  /** Monotonic milliseconds (arbitrary origin). */
  now(): number;
  /** Call `fn` once after `ms` (or as soon as possible if `ms <= 0`). */
  setTimer(fn: () => void, ms: number, options?: TimerOptions): TimerHandle;
  /** Cancel a timer; a no-op when it already fired or was cancelled. */
  clearTimer(handle: TimerHandle): void;
}

let nextId = 1;

/** The longest delay one Node timer holds. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The process clock: `performance.now()` and Node timers, unref'd (they never keep a process
 * alive) unless set with {@link TimerOptions.keepAlive}.
 */
export function systemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  return {
    now: () => performance.now(),
    setTimer(fn, ms, options) {
      const id = nextId++;
      // Node fires a delay over 2^31-1 ms (about 24.8 days) after 1 ms: wait in steps instead.
      const arm = (left: number): void => {
        const step = Math.min(Math.max(0, left), MAX_TIMER_MS);
        const t = setTimeout(() => {
          if (left > MAX_TIMER_MS) return arm(left - MAX_TIMER_MS);
          timers.delete(id);
          fn();
        }, step);
        if (options?.keepAlive !== true) t.unref();
        timers.set(id, t);
      };
      // NaN would fire at once too; it can only come from a bug, and never is the safe reading.
      arm(Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms);
      return { id };
    },
    clearTimer(handle) {
      const t = timers.get(handle.id);
      if (t !== undefined) {
        clearTimeout(t);
        timers.delete(handle.id);
      }
    },
  };
}

/** The default shared clock. */
export const defaultClock: Clock = systemClock();

interface ManualTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in time order (ties in creation
 * order) during {@link ManualClock.advance}, with `now()` set to each timer's due time.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: ManualTimer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = nextId++;
    this.#timers.push({ id, at: this.#now + Math.max(0, ms), seq: this.#seq++, fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle.id);
  }

  /** Number of timers not yet fired. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.#timers) {
        if (t.at <= target && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = target;
  }
}

/**
 * A clock that runs `speed` times faster than real time (timers fire early by the same
 * factor). Run a server on it together with an emulator at the same `speed` and a whole
 * conversation plays out faster with every timing relation intact: tests use this.
 */
export function scaledClock(speed: number): Clock {
  const base = systemClock();
  const origin = performance.now();
  return {
    now: () => origin + (performance.now() - origin) * speed,
    setTimer: (fn, ms, options) => base.setTimer(fn, ms / speed, options),
    clearTimer: (h) => base.clearTimer(h),
  };
}
