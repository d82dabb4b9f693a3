/**
 * What every benchmark server exposes, the same way: `GET /bench/stats` returns the process's
 * event-loop delay since the last call (how late a frame that arrived could be processed:
 * the inbound processing lag), CPU and memory, then resets the histogram.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
let cpu = process.cpuUsage();
let since = performance.now();

/** The stats payload. */
export interface ProbeStats {
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  readonly cpuPercent: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Memory outside the JS heap: Buffers, WASM memory (the resampler), native addons. */
  readonly externalBytes: number;
}

/** Answer `/bench/stats` (returns false for other paths). */
export function serveProbe(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.url !== '/bench/stats' && req.url !== '/bench/stats?gc=1') return false;
  // With --expose-gc, `?gc=1` collects garbage first, so memory figures are what is live.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (req.url.endsWith('gc=1') && gc !== undefined) {
    gc();
    gc();
  }
  const now = performance.now();
  const used = process.cpuUsage(cpu);
  const mem = process.memoryUsage();
  // The histogram counts from when the timer should have fired; subtract the resolution.
  const ms = (ns: number): number => Math.max(0, ns / 1e6 - 5);
  const stats: ProbeStats = {
    lagP50Ms: ms(loop.percentile(50)),
    lagP99Ms: ms(loop.percentile(99)),
    lagMaxMs: ms(loop.max),
    cpuPercent: ((used.user + used.system) / 1000 / (now - since)) * 100,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    externalBytes: mem.external,
  };
  loop.reset();
  cpu = process.cpuUsage();
  since = now;
  const body = JSON.stringify(stats);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}

/** Tell the parent where we listen (one JSON line on stdout). */
export function announce(port: number): void {
  process.stdout.write(`${JSON.stringify({ listening: port })}\n`);
}
