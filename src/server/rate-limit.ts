/**
 * Per-key token buckets ({@link TokenBucket}; used per client IP for WebSocket upgrades). Bounded: at most
 * `maxKeys` buckets are kept; the least recently used is forgotten first.
 */
import type { Clock } from '../clock.js';
import { TokenBucket } from '../token-bucket.js';

export class RateLimiter {
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #clock: Clock;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, TokenBucket>();

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
    return b.level(this.#clock.now()) >= 1;
  }

  /** Take one token for `key`; false when the key is over its rate. */
  take(key: string): boolean {
    const now = this.#clock.now();
    let b = this.#buckets.get(key);
    if (b === undefined) {
      b = new TokenBucket(this.#burst, this.#perSecond, now);
      if (this.#buckets.size >= this.#maxKeys) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    } else this.#buckets.delete(key); // re-insert below: Map order doubles as LRU order
    this.#buckets.set(key, b);
    return b.take(now);
  }
}
