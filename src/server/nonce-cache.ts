/**
 * Remembers the nonces of accepted signed requests for a window, so a captured request
 * replayed within it is rejected (SIGNATURE_REPLAYED). Bounded in entries.
 */
import type { Clock } from '../clock.js';

export class NonceCache {
  readonly #windowMs: number;
  readonly #max: number;
  readonly #clock: Clock;
  readonly #seen = new Map<string, number>();

  constructor(clock: Clock, windowMs: number, max = 100_000) {
    this.#clock = clock;
    this.#windowMs = windowMs;
    this.#max = max;
  }

  /** Record `nonce`; false if it was already used within the window. */
  use(nonce: string): boolean {
    if (this.#windowMs <= 0) return true;
    const now = this.#clock.now();
    // Entries are in insertion (= time) order: expire from the front.
    for (const [n, at] of this.#seen) {
      if (now - at < this.#windowMs && this.#seen.size < this.#max) break;
      this.#seen.delete(n);
    }
    const at = this.#seen.get(nonce);
    if (at !== undefined && now - at < this.#windowMs) return false;
    this.#seen.set(nonce, now);
    return true;
  }
}
