// How late this process ran its callbacks during a test. Two wall-clock measures of one call taken
// in the same process (the server's ledger and the caller's report, say) disagree by about that
// much on a loaded machine; at rest it is a few ms. A test adds it to a fixed tolerance so the
// tolerance holds under load without hiding a real regression at rest (issue 25).
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Starts measuring; `ms()` is the largest event-loop delay seen so far, in ms. */
export function watchLoopDelay(): { ms(): number; stop(): void } {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  return { ms: () => h.max / 1e6, stop: () => h.disable() };
}
