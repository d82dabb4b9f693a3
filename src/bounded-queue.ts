/**
 * The one bounded async queue: a single consumer reads with `for await`, the producer never
 * blocks (socket callbacks cannot wait), and the bound holds by policy. `overflow: 'reject'`
 * refuses an item that does not fit (`push` returns false; a provider turns that into a coded
 * error); `overflow: 'drop-oldest'` makes room by dropping the oldest unread items, counted in
 * `dropped` (stale real-time audio is worth less than fresh audio). `coalesce` lets a newer item
 * replace an unread older one (an interim transcript superseded by the next). A consumer that
 * stops early (`break`) triggers `onCancel`, which is how it cancels a vendor request.
 */

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

/** Options of {@link BoundedQueue}. */
export interface BoundedQueueOptions<T> {
  /** Maximum buffered weight; default weight of an item is 1. */
  readonly capacity: number;
  /** Weight of one item (e.g. its byte length); default 1. */
  readonly weigh?: (item: T) => number;
  /** What a push past the capacity does (see the module comment); default 'reject'. */
  readonly overflow?: 'reject' | 'drop-oldest';
  /** True when `next` may replace the unread `last` instead of queuing behind it. */
  readonly coalesce?: (last: T, next: T) => boolean;
  /** Called once when the consumer stops iterating before the queue ended. */
  readonly onCancel?: () => void;
}

/** See the module comment. */
export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  #items: T[] = [];
  #head = 0;
  readonly #options: BoundedQueueOptions<T>;
  #weight = 0;
  #dropped = 0;
  #waiter: Waiter<T> | undefined;
  #ended = false;
  #error: unknown;
  #failed = false;
  #cancelled = false;

  constructor(options: BoundedQueueOptions<T>) {
    this.#options = options;
  }

  /** Items buffered, not yet read. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Buffered weight not yet read. */
  get weight(): number {
    return this.#weight;
  }

  /** Items dropped to make room (`overflow: 'drop-oldest'`). */
  get dropped(): number {
    return this.#dropped;
  }

  /** True once ended, failed or cancelled. */
  get closed(): boolean {
    return this.#ended || this.#failed || this.#cancelled;
  }

  /**
   * Queue an item. False when the queue is closed (the item is ignored), when it does not fit
   * (`reject`: the item is dropped), or when older items were dropped to make room for it.
   */
  push(item: T): boolean {
    if (this.closed) return false;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return true;
    }
    const w = this.#weigh(item);
    const last = this.size > 0 ? (this.#items[this.#items.length - 1] as T) : undefined;
    if (last !== undefined && this.#options.coalesce?.(last, item) === true) {
      this.#weight += w - this.#weigh(last);
      this.#items[this.#items.length - 1] = item;
      return true;
    }
    if (this.#options.overflow !== 'drop-oldest') {
      if (this.#weight + w > this.#options.capacity) return false;
      this.#items.push(item);
      this.#weight += w;
      return true;
    }
    this.#items.push(item);
    this.#weight += w;
    let kept = true;
    while (this.#weight > this.#options.capacity && this.size > 0) {
      this.#weight -= this.#weigh(this.#items[this.#head] as T);
      this.#head++;
      this.#dropped++;
      kept = false;
    }
    this.#compact();
    return kept;
  }

  /** No more items: the consumer finishes after draining. */
  end(): void {
    if (this.closed) return;
    this.#ended = true;
    this.#settleWaiter();
  }

  /** The consumer throws `error` after draining what is buffered. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.#failed = true;
    this.#error = error;
    this.#settleWaiter();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const item = this.#items[this.#head] as T;
      this.#head++;
      this.#weight -= this.#weigh(item);
      this.#compact();
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#failed) return Promise.reject(this.#error);
    if (this.#ended || this.#cancelled) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiter !== undefined) return Promise.reject(new Error('BoundedQueue has a single consumer'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** The consumer stopped early: drop what is buffered and call `onCancel`. */
  return(): Promise<IteratorResult<T>> {
    if (!this.closed) {
      this.#cancelled = true;
      this.#items = [];
      this.#head = 0;
      this.#weight = 0;
      this.#options.onCancel?.();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #weigh(item: T): number {
    return this.#options.weigh?.(item) ?? 1;
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    if (this.#failed) waiter.reject(this.#error);
    else waiter.resolve({ value: undefined, done: true });
  }

  // Reads advance a head index instead of shifting the array; the read part is cut off once it
  // is most of the array, so a long-lived queue stays O(1) per item and bounded in memory.
  #compact(): void {
    if (this.#head > 256 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
