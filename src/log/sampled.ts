/**
 * Log sampling for things a hostile or broken peer can repeat at will (bad frames, refused
 * upgrades, bad signatures): the 1st, 10th, 100th, ... occurrence of each key is logged, with
 * its count, so a flood cannot flood the log and the log still says how big the flood was.
 */

/** Counts occurrences per key; bounded in keys (the oldest key is forgotten first). */
export class LogSampler {
  readonly #counts = new Map<string, number>();
  readonly #maxKeys: number;

  constructor(maxKeys = 256) {
    this.#maxKeys = maxKeys;
  }

  /**
   * Count one occurrence of `key`. Returns the count when this occurrence should be logged
   * (1, 10, 100, ...), else undefined.
   */
  hit(key: string): number | undefined {
    const n = (this.#counts.get(key) ?? 0) + 1;
    if (n === 1 && this.#counts.size >= this.#maxKeys) {
      const oldest = this.#counts.keys().next().value;
      if (oldest !== undefined) this.#counts.delete(oldest);
    }
    this.#counts.set(key, n);
    return isPowerOfTen(n) ? n : undefined;
  }

  /** Occurrences of `key` so far. */
  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}

/** 1, 10, 100, ... */
export function isPowerOfTen(n: number): boolean {
  let x = n;
  while (x >= 10 && x % 10 === 0) x /= 10;
  return x === 1;
}
