/**
 * A small typed event emitter. A listener that throws never breaks the emitter or the
 * stream it belongs to: the error goes to `onListenerError` (the stream logs and counts it).
 */

/** Map of event name -> listener argument. */
export type EventMap = Record<string, unknown>;

/** A listener for one event. */
export type Listener<T> = (payload: T) => void;

export class TypedEmitter<E extends { [K in keyof E]: unknown }> {
  readonly #listeners = new Map<keyof E, Set<Listener<never>>>();
  readonly #onListenerError: (error: unknown, event: keyof E) => void;

  constructor(onListenerError: (error: unknown, event: keyof E) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Add a listener. Returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  /** Add a listener that runs once. */
  once<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): void {
    this.#listeners.get(event)?.delete(listener as Listener<never>);
  }

  /** Number of listeners for an event. */
  listenerCount(event: keyof E): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Call every listener of `event` with `payload`, isolating their errors. */
  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<E[K]>)(payload);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }

  removeAll(): void {
    this.#listeners.clear();
  }
}
