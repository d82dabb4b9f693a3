/**
 * A token bucket: up to `capacity` tokens, refilled at `perSecond`, taken `n` at a time. The
 * one rate limiter of callwire: upgrades per client address (tokens = upgrades), inbound
 * messages per stream (tokens = messages), and inbound audio per stream (tokens = audio ms,
 * refilled at 1000 a second: real time). Time is passed in (monotonic ms), so it is pure.
 */
export class TokenBucket {
  readonly capacity: number;
  readonly perSecond: number;
  #tokens: number;
  #at: number;

  /** Starts full (a burst is allowed at once) unless `initial` says otherwise. */
  constructor(capacity: number, perSecond: number, now: number, initial = capacity) {
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.#tokens = Math.min(capacity, initial);
    this.#at = now;
  }

  /** Tokens available at `now`. */
  level(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Take `n` tokens at `now`; false (and nothing taken) when fewer are available. */
  take(now: number, n = 1): boolean {
    this.#refill(now);
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  #refill(now: number): void {
    // A clock that steps back (it should not: monotonic) must not mint tokens.
    const elapsed = Math.max(0, now - this.#at);
    this.#tokens = Math.min(this.capacity, this.#tokens + (elapsed / 1000) * this.perSecond);
    this.#at = Math.max(this.#at, now);
  }
}
