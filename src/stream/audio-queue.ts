/**
 * A bounded async-iterable queue of inbound audio frames. When the consumer falls more
 * than `capacity` frames behind, the oldest frames are dropped (and counted): stale
 * real-time audio is worth less than fresh audio, and memory must stay bounded.
 */

export class AudioQueue<T> implements AsyncIterableIterator<T> {
  readonly capacity: number;
  #items: T[] = [];
  #head = 0;
  #ended = false;
  #waiter: ((r: IteratorResult<T>) => void) | undefined;
  /** Frames dropped because the consumer was too slow. */
  dropped = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Add an item; returns false if an old item had to be dropped to make room. */
  push(item: T): boolean {
    if (this.#ended) return true;
    if (this.#waiter !== undefined) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w({ value: item, done: false });
      return true;
    }
    this.#items.push(item);
    if (this.size > this.capacity) {
      this.#head++;
      this.dropped++;
      this.#compact();
      return false;
    }
    return true;
  }

  /** No more items: pending and future reads finish after the buffered ones. */
  end(): void {
    this.#ended = true;
    if (this.#waiter !== undefined && this.size === 0) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.#items[this.#head] as T;
      this.#head++;
      this.#compact();
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.#ended = true;
    this.#items = [];
    this.#head = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #compact(): void {
    if (this.#head > 256 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
