// Garbage collection on demand, for tests that check memory stays bounded or that objects
// are released. `--expose-gc` cannot be passed to vitest's workers without changing the shared
// config; V8 lets a running process turn it on and hand out `gc` from a fresh context.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Collect garbage (twice: the second pass takes what the first one's finalizers released). */
export function gc(): void {
  collect();
  collect();
}

/** Heap and external bytes after a full collection. */
export function liveBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * Resolve once every object behind `refs` has been collected, collecting every 100 ms (timers
 * a closed object armed may hold it a little while); reject with how many survive after `timeoutMs`.
 */
export async function collected(refs: readonly WeakRef<object>[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A WeakRef keeps its target alive until the current job ends: collect in a fresh task.
    await new Promise((r) => setTimeout(r, 100));
    gc();
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    if (alive === 0) return;
    if (Date.now() > deadline) throw new Error(`${alive} of ${refs.length} objects are still reachable after ${timeoutMs} ms`);
  }
}
