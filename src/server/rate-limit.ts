/**
 * Per-key token buckets (used per client IP for WebSocket upgrades). Bounded: at most
 * `maxKeys` buckets are kept; the least recently used is forgotten first.
 */
import type { Clock } from '../clock.js';

export class RateLimiter {
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #clock: Clock;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(clock: Clock, burst: number, perSecond: number, maxKeys = 10_000) {
    this.#clock = clock;
    this.#burst = burst;
    this.#perSecond = perSecond;
    this.#maxKeys = maxKeys;
  }

  /** Whether `key` has a token now, without taking it (a check before an attempt that may not count). */
  available(key: string): boolean {
    const b = this.#buckets.get(key);
    if (b === undefined) return true;
    return Math.min(this.#burst, b.tokens + ((this.#clock.now() - b.at) / 1000) * this.#perSecond) >= 1;
  }

  /** Take one token for `key`; false when the key is over its rate. */
  take(key: string): boolean {
    const now = this.#clock.now();
    let b = this.#buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.#burst, at: now };
      if (this.#buckets.size >= this.#maxKeys) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    } else this.#buckets.delete(key); // re-insert below: Map order doubles as LRU order
    b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) / 1000) * this.#perSecond);
    b.at = now;
    this.#buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
