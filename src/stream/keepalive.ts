/**
 * WebSocket keepalive (the guide: "Ensure your WebSocket server sends periodic pings to
 * keep connection alive"). Pings every `intervalMs`; if a pong has not come back within
 * `timeoutMs` of a ping, the peer is declared dead.
 */
import type { Clock, TimerHandle } from '../clock.js';

/** Keepalive settings. */
export interface KeepaliveOptions {
  /** Ping period, ms. Default 10 s. */
  intervalMs?: number;
  /** How long a pong may take, ms. Default 5 s (must be below intervalMs to matter). */
  timeoutMs?: number;
}

export class Keepalive {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly #clock: Clock;
  readonly #ping: () => void;
  readonly #onTimeout: (silentMs: number) => void;
  #timer: TimerHandle | undefined;
  #waitingSince: number | undefined;
  /** Last measured ping round trip, ms. */
  lastRttMs: number | undefined;

  constructor(clock: Clock, options: KeepaliveOptions, ping: () => void, onTimeout: (silentMs: number) => void) {
    this.#clock = clock;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? Math.min(5_000, this.intervalMs);
    this.#ping = ping;
    this.#onTimeout = onTimeout;
  }

  start(): void {
    this.#schedule(this.intervalMs);
  }

  /** Call on every pong. */
  pong(): void {
    if (this.#waitingSince !== undefined) this.lastRttMs = this.#clock.now() - this.#waitingSince;
    this.#waitingSince = undefined;
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    this.#timer = this.#clock.setTimer(this.#check, ms);
  }

  readonly #check = (): void => {
    const now = this.#clock.now();
    if (this.#waitingSince !== undefined) {
      const silent = now - this.#waitingSince;
      if (silent >= this.timeoutMs) {
        this.#timer = undefined;
        this.#onTimeout(silent);
        return;
      }
      this.#schedule(this.timeoutMs - silent);
      return;
    }
    this.#waitingSince = now;
    this.#ping();
    // Check for the pong after timeoutMs, then ping again at the next interval.
    this.#timer = this.#clock.setTimer(() => {
      if (this.#waitingSince !== undefined) this.#check();
      else this.#schedule(Math.max(0, this.intervalMs - this.timeoutMs));
    }, this.timeoutMs);
  };
}
