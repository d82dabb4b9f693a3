/**
 * A log of everything a fake received or did, in order, with times on the fake's clock, so
 * tests can assert streaming order and wait for a condition instead of sleeping.
 */

/** Most entries kept; a fake left running in a long test must not grow without bound. */
const MAX_ENTRIES = 100_000;

interface Waiter<T> {
  readonly predicate: (entry: T) => boolean;
  readonly resolve: (entry: T) => void;
}

/** An append-only event log with waiting. */
export class Recorder<T> {
  readonly #entries: T[] = [];
  #waiters: Waiter<T>[] = [];
  #dropped = 0;

  /** Entries in arrival order. */
  get entries(): readonly T[] {
    return this.#entries;
  }

  /** Entries dropped after the cap was reached (should stay 0). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Append one entry and wake waiters it satisfies. */
  add(entry: T): void {
    if (this.#entries.length >= MAX_ENTRIES) {
      this.#entries.shift();
      this.#dropped++;
    }
    this.#entries.push(entry);
    const still: Waiter<T>[] = [];
    for (const w of this.#waiters) {
      if (w.predicate(entry)) w.resolve(entry);
      else still.push(w);
    }
    this.#waiters = still;
  }

  /** Entries matching `predicate`. */
  filter(predicate: (entry: T) => boolean): T[] {
    return this.#entries.filter(predicate);
  }

  /**
   * The first entry (already recorded or still to come) matching `predicate`. Rejects after
   * `timeoutMs` with a message naming `what`.
   */
  waitFor(predicate: (entry: T) => boolean, timeoutMs = 15_000, what = 'a matching entry'): Promise<T> {
    const found = this.#entries.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter: Waiter<T> = {
        predicate,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
