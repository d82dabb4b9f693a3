/**
 * Scheduling for fakes: run steps at offsets on a Clock, cancel the rest at once (barge-in,
 * socket closed). Every fake streams through one of these so cancellation is uniform.
 */
import type { Clock, TimerHandle } from '../../clock.js';

/** A cancellable sequence of timed steps. */
export class Timeline {
  readonly #clock: Clock;
  readonly #timers = new Set<TimerHandle>();
  #cancelled = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** True once {@link cancel} ran. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Run `fn` after `ms` unless cancelled first. */
  at(ms: number, fn: () => void): void {
    if (this.#cancelled) return;
    const handle = this.#clock.setTimer(() => {
      this.#timers.delete(handle);
      if (!this.#cancelled) fn();
    }, ms);
    this.#timers.add(handle);
  }

  /** Drop every pending step. */
  cancel(): void {
    this.#cancelled = true;
    for (const t of this.#timers) this.#clock.clearTimer(t);
    this.#timers.clear();
  }
}
