/**
 * A single-consumer async queue with a hard bound. The producer never blocks (socket callbacks
 * cannot wait), so the bound is enforced by the caller's policy: `push` returns false when full,
 * and `coalesce` lets a newer item replace an unread older one (an interim transcript superseded
 * by the next). Consumers that stop early trigger `onCancel`, which is how a `break` out of a
 * `for await` cancels the vendor request.
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
  /** True when `next` may replace the unread `last` instead of queuing behind it. */
  readonly coalesce?: (last: T, next: T) => boolean;
  /** Called once when the consumer stops iterating before the queue ended. */
  readonly onCancel?: () => void;
}

/** See the module comment. */
export class BoundedQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  readonly #options: BoundedQueueOptions<T>;
  #weight = 0;
  #waiter: Waiter<T> | undefined;
  #ended = false;
  #error: unknown;
  #failed = false;
  #cancelled = false;

  constructor(options: BoundedQueueOptions<T>) {
    this.#options = options;
  }

  /** Buffered weight not yet read. */
  get weight(): number {
    return this.#weight;
  }

  /** True once ended, failed or cancelled. */
  get closed(): boolean {
    return this.#ended || this.#failed || this.#cancelled;
  }

  /** Queue an item; false (item dropped) when closed or when it would exceed the capacity. */
  push(item: T): boolean {
    if (this.closed) return false;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return true;
    }
    const w = this.#options.weigh?.(item) ?? 1;
    const last = this.#items[this.#items.length - 1];
    if (last !== undefined && this.#options.coalesce?.(last, item) === true) {
      this.#weight += w - (this.#options.weigh?.(last) ?? 1);
      this.#items[this.#items.length - 1] = item;
      return true;
    }
    if (this.#weight + w > this.#options.capacity) return false;
    this.#items.push(item);
    this.#weight += w;
    return true;
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

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    if (this.#failed) waiter.reject(this.#error);
    else waiter.resolve({ value: undefined, done: true });
  }

  #next(): Promise<IteratorResult<T>> {
    const item = this.#items.shift();
    if (item !== undefined) {
      this.#weight -= this.#options.weigh?.(item) ?? 1;
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#failed) return Promise.reject(this.#error);
    if (this.#ended || this.#cancelled) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiter !== undefined) return Promise.reject(new Error('BoundedQueue has a single consumer'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.#next(),
      return: () => {
        if (!this.closed) {
          this.#cancelled = true;
          this.#items.length = 0;
          this.#weight = 0;
          this.#options.onCancel?.();
        }
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
