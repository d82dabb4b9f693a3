/**
 * Promises a call's user waits on: the bot's speech starting, the bot staying quiet for a
 * while, or a point in time. Bot waits have a timeout (real ms); every wait fails with
 * EMULATOR_CALL_ENDED if the call ends first.
 */
import type { Clock, TimerHandle } from '../clock.js';
import { CallwireError } from '../errors.js';

interface Waiter {
  readonly kind: 'speech' | 'silence' | 'time';
  /** For silence: real ms of quiet needed. */
  readonly quietMs: number;
  readonly resolve: (t: number) => void;
  readonly reject: (error: Error) => void;
  timer: TimerHandle | undefined;
}

/** The pending waits of one call. */
export class CallWaits {
  readonly #clock: Clock;
  readonly #waiters = new Set<Waiter>();
  #closed: Error | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Wait for bot speech (resolves with its call time), or `quietMs` of quiet. */
  add(kind: 'speech' | 'silence', quietMs: number, timeoutMs: number, what: string): Promise<number> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    return new Promise<number>((resolve, reject) => {
      const w: Waiter = { kind, quietMs, resolve, reject, timer: undefined };
      w.timer = this.#clock.setTimer(() => {
        this.#waiters.delete(w);
        reject(new CallwireError('EMULATOR_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`, { details: { timeoutMs } }));
      }, timeoutMs, { keepAlive: true });
      this.#waiters.add(w);
    });
  }

  /** Resolve after `ms` of real time. */
  sleep(ms: number): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { kind: 'time', quietMs: 0, resolve: () => resolve(), reject, timer: undefined };
      // A script's wait is awaited: it keeps the process alive like any sleep.
      w.timer = this.#clock.setTimer(() => this.#settle(w, 0), ms, { keepAlive: true });
      this.#waiters.add(w);
    });
  }

  #settle(w: Waiter, t: number): void {
    if (w.timer !== undefined) this.#clock.clearTimer(w.timer);
    this.#waiters.delete(w);
    w.resolve(t);
  }

  /** The bot started speaking at `t`. */
  speechStarted(t: number): void {
    for (const w of this.#waiters) if (w.kind === 'speech') this.#settle(w, t);
  }

  /** At tick `t` the bot has been quiet for `quietForMs` (real ms; -1 while it speaks). */
  tick(t: number, quietForMs: number): void {
    if (quietForMs < 0 || this.#waiters.size === 0) return;
    for (const w of this.#waiters) if (w.kind === 'silence' && quietForMs >= w.quietMs) this.#settle(w, t);
  }

  /** Fail every wait: the call ended. */
  close(error: Error): void {
    this.#closed = error;
    for (const w of this.#waiters) {
      if (w.timer !== undefined) this.#clock.clearTimer(w.timer);
      w.reject(error);
    }
    this.#waiters.clear();
  }
}
