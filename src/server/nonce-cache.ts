/**
 * Remembers the nonces of accepted signed requests for a window, so a captured request
 * replayed within it is rejected (SIGNATURE_REPLAYED). Bounded in entries. With a
 * {@link ReplayLedger} (the SQLite store, when the server has one) the window also survives
 * a restart and is shared by the processes on that file; without one it lives in this
 * process only (see SECURITY.md).
 */
import type { Clock } from '../clock.js';

/** Durable memory of used nonces (the SQLite store implements it). */
export interface ReplayLedger {
  /**
   * Record `nonce` as used at `at` (epoch ms); false when it was already used within
   * `windowMs` before. Synchronous: it runs before the request is answered.
   */
  useNonce(nonce: string, at: number, windowMs: number): boolean;
}

/** Whether a store can keep the replay window (see {@link ReplayLedger}). */
export function isReplayLedger(store: unknown): store is ReplayLedger {
  return typeof (store as Partial<ReplayLedger> | undefined)?.useNonce === 'function';
}

export class NonceCache {
  readonly #windowMs: number;
  readonly #max: number;
  readonly #clock: Clock;
  readonly #seen = new Map<string, number>();
  readonly #ledger: ReplayLedger | undefined;
  readonly #wallNow: () => number;

  /**
   * @param ledger durable memory of nonces (checked after this process's own)
   * @param wallNow epoch ms for the ledger (monotonic time restarts with the process)
   */
  constructor(clock: Clock, windowMs: number, max = 100_000, ledger?: ReplayLedger, wallNow: () => number = Date.now) {
    this.#clock = clock;
    this.#windowMs = windowMs;
    this.#max = max;
    this.#ledger = ledger;
    this.#wallNow = wallNow;
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
    if (this.#ledger !== undefined) {
      let fresh = true;
      try {
        fresh = this.#ledger.useNonce(nonce, this.#wallNow(), this.#windowMs);
      } catch {
        // The ledger failed (disk full, locked): this process's memory still refuses replays
        // here; refusing every signed request instead would take the service down.
      }
      if (!fresh) return false;
    }
    this.#seen.set(nonce, now);
    return true;
  }
}
