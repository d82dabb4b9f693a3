/**
 * Scheduling for fakes: run steps at offsets on a Clock, strictly in due order, and cancel the
 * rest at once (barge-in, socket closed). Node timers of different durations do not fire in
 * due order when both are overdue (a busy loop), which would reorder audio chunks; so a
 * timeline keeps its own ordered queue behind a single timer.
 */
import type { Clock, TimerHandle } from '../../clock.js';

interface Step {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** A cancellable, ordered sequence of timed steps. */
export class Timeline {
  readonly #clock: Clock;
  #steps: Step[] = [];
  #timer: TimerHandle | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #seq = 0;
  #cancelled = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** True once {@link cancel} ran. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Run `fn` `ms` from now (after every step due no later), unless cancelled first. */
  at(ms: number, fn: () => void): void {
    if (this.#cancelled) return;
    const step: Step = { due: this.#clock.now() + Math.max(0, ms), seq: this.#seq++, fn };
    // Keep the queue sorted by (due, seq); appends are the common case.
    let i = this.#steps.length;
    while (i > 0 && (this.#steps[i - 1] as Step).due > step.due) i--;
    this.#steps.splice(i, 0, step);
    this.#arm();
  }

  /** Drop every pending step. */
  cancel(): void {
    this.#cancelled = true;
    this.#steps = [];
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const head = this.#steps[0];
    if (head === undefined || head.due >= this.#armedFor) return;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#armedFor = head.due;
    this.#timer = this.#clock.setTimer(() => this.#run(), head.due - this.#clock.now());
  }

  #run(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    while (!this.#cancelled) {
      const head = this.#steps[0];
      // A timer may fire a fraction of a millisecond early; treat anything due within 1 ms as due.
      if (head === undefined || head.due > now + 1) break;
      this.#steps.shift();
      head.fn();
    }
    if (!this.#cancelled) this.#arm();
  }
}
