/** Waiting on the injectable clock, cancellable by an AbortSignal. */
import type { Clock } from '../../clock.js';

/**
 * Resolve after `ms` on `clock`; reject with `onAbort()` as soon as `signal` aborts (also when it
 * already has).
 */
export function delay(ms: number, clock: Clock, signal: AbortSignal | undefined, onAbort: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(onAbort());
      return;
    }
    const abort = (): void => {
      clock.clearTimer(timer);
      reject(onAbort());
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms, { keepAlive: true });
    signal?.addEventListener('abort', abort, { once: true });
  });
}
