/**
 * Collect DTMF digits: resolves after `max` digits, on the terminator, or when no digit came
 * within the timeout (first digit) or inter-digit timeout.
 */
import type { Clock, TimerHandle } from '../clock.js';

/** Options of a digit collection. */
export interface CollectDigitsOptions {
  /** Stop after this many digits (default 20). */
  readonly max?: number;
  /** A digit that ends the input and is not included (default '#'; '' for none). */
  readonly terminator?: string;
  /** Wait for the first digit, ms (default 10 s). */
  readonly timeoutMs?: number;
  /** Wait between digits, ms (default 5 s). */
  readonly interDigitTimeoutMs?: number;
}

/** What a collection produced. */
export interface CollectedDigits {
  readonly digits: string;
  readonly reason: 'max' | 'terminator' | 'timeout';
}

export class DigitCollector {
  readonly #clock: Clock;
  readonly #o: Required<CollectDigitsOptions>;
  readonly #resolve: (r: CollectedDigits) => void;
  readonly done: Promise<CollectedDigits>;
  #digits = '';
  #timer: TimerHandle | undefined;
  #settled = false;

  constructor(clock: Clock, options: CollectDigitsOptions = {}) {
    this.#clock = clock;
    this.#o = { max: options.max ?? 20, terminator: options.terminator ?? '#', timeoutMs: options.timeoutMs ?? 10_000, interDigitTimeoutMs: options.interDigitTimeoutMs ?? 5000 };
    let resolve!: (r: CollectedDigits) => void;
    this.done = new Promise((r) => {
      resolve = r;
    });
    this.#resolve = resolve;
    this.#arm(this.#o.timeoutMs);
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** Feed one digit; returns true when it was consumed by this collection. */
  push(digit: string): boolean {
    if (this.#settled) return false;
    if (this.#o.terminator !== '' && digit === this.#o.terminator) {
      this.#finish('terminator');
      return true;
    }
    this.#digits += digit;
    if (this.#digits.length >= this.#o.max) this.#finish('max');
    else this.#arm(this.#o.interDigitTimeoutMs);
    return true;
  }

  /** End now (the call ended): resolves with what was collected as a timeout. */
  cancel(): void {
    this.#finish('timeout');
  }

  #arm(ms: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = this.#clock.setTimer(() => this.#finish('timeout'), ms);
  }

  #finish(reason: CollectedDigits['reason']): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#resolve({ digits: this.#digits, reason });
  }
}
