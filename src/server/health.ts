/** `/healthz` (alive, with process figures `callwire load` samples) and `/readyz` (false while draining). */
import type { ServerResponse } from 'node:http';
import type { ServerContext } from './context.js';
import { sendJson } from './http-io.js';

const started = Date.now();

/** The process figures `/healthz` reports. */
export interface HealthReport {
  readonly status: 'ok';
  readonly pid: number;
  readonly uptimeMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly cpuUserMicros: number;
  readonly cpuSystemMicros: number;
  readonly activeStreams: number;
  /** Handles and requests keeping the event loop alive (sockets, timers, ...): flat over a long run, or something leaks. */
  readonly activeHandles: number;
  readonly draining: boolean;
}

export function healthz(ctx: ServerContext, res: ServerResponse): void {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  const report: HealthReport = {
    status: 'ok',
    pid: process.pid,
    uptimeMs: Date.now() - started,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    cpuUserMicros: cpu.user,
    cpuSystemMicros: cpu.system,
    activeStreams: ctx.streams.size,
    activeHandles: process.getActiveResourcesInfo().length,
    draining: ctx.draining,
  };
  sendJson(res, 200, report);
}

export function readyz(ctx: ServerContext, res: ServerResponse): void {
  if (ctx.draining) sendJson(res, 503, { ready: false, draining: true, activeStreams: ctx.streams.size });
  else sendJson(res, 200, { ready: true, activeStreams: ctx.streams.size });
}
