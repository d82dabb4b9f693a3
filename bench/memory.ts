/**
 * Section 5, memory: the server's memory per idle call (stream open, `start` received, no
 * audio) and per active call (audio both ways), and whether a long run at half of capacity
 * grows: RSS after 1 minute compared with RSS at the end, with calls coming and going.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { STREAM_FORMATS } from '../src/protocol/format.js';
import { serializeInbound, startMessage } from '../src/protocol/serialize-inbound.js';
import { runLoadProcess, startBenchServer } from './lib/procs.js';
import { type Trend, lineTrend } from './lib/soak-stats.js';

/** Per-call memory of one agent. */
export interface PerCall {
  readonly agent: string;
  readonly calls: number;
  readonly idleRssBytes: number;
  readonly idleHeapBytes: number;
  /** Buffers and WASM memory (the resampler state) per idle call. */
  readonly idleExternalBytes: number;
  readonly activeRssBytes: number;
  readonly activeHeapBytes: number;
  readonly activeExternalBytes: number;
}

/** The long run. */
export interface LeakRun {
  readonly calls: number;
  readonly minutes: number;
  readonly callSeconds: number;
  /** [seconds since start, RSS bytes, live heap bytes (after a full collection)] every sample. */
  readonly samples: readonly (readonly [number, number, number])[];
  /** The samples judged: [first, last] seconds, while every call was running. */
  readonly windowSeconds: readonly [number, number];
  /** Medians of the first and last few samples of the window. */
  readonly rssAt1MinBytes: number;
  readonly rssAtEndBytes: number;
  readonly heapAt1MinBytes: number;
  readonly heapAtEndBytes: number;
  /** Least-squares slope over the window, bytes per hour. */
  readonly rssSlopePerHourBytes: number;
  readonly heapSlopePerHourBytes: number;
}

async function openIdle(url: string, n: number): Promise<WebSocket[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.send(serializeInbound(startMessage({ callId: randomUUID(), streamId: randomUUID(), accountId: 'MABENCH', format: STREAM_FORMATS['mulaw/8000'] })));
      return ws;
    }),
  );
}

const kb = (b: number): string => `${(b / 1024).toFixed(0)} KB`;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server whose memory per call is measured. */
export interface MemoryTarget {
  readonly agent: string;
  readonly file: string;
  readonly path: string;
  readonly env?: Record<string, string>;
  /** How long an opened call needs before it is idle (the built-in agent greets first). */
  readonly quietAfterMs: number;
}

/** The servers measured: callwire's echo and built-in agents, and the raw `ws` echo as the baseline. */
export const MEMORY_TARGETS: readonly MemoryTarget[] = [
  { agent: 'callwire echo', file: 'callwire-echo.ts', path: '/plivo/stream', quietAfterMs: 2000 },
  { agent: 'callwire built-in', file: 'callwire-echo.ts', path: '/plivo/stream', env: { AGENT: 'builtin' }, quietAfterMs: 16_000 },
  { agent: 'raw ws echo (baseline)', file: 'raw-ws-echo.ts', path: '/', quietAfterMs: 2000 },
];

/**
 * Per idle call (stream open, `start` sent, nothing flowing) and per active call (`callwire
 * load` talking for `activeSeconds`), from a collected heap before and after `n` calls.
 */
export async function measurePerCall(targets: readonly MemoryTarget[], n: number, activeSeconds: number, log: (s: string) => void): Promise<PerCall[]> {
  const out: PerCall[] = [];
  for (const t of targets) {
    const agent = t.agent;
    const server = await startBenchServer(agent, t.file, t.env);
    const url = `ws://127.0.0.1:${server.port}${t.path}`;
    try {
      // Warm up (first allocations, JIT), then measure from a collected heap.
      await openIdle(url, 5).then(async (ws) => {
        await settle(500);
        for (const w of ws) w.close();
      });
      // Let the warm-up calls' state go (and the built-in agent's greeting cache fill) first.
      await settle(Math.max(1000, t.quietAfterMs / 2));
      const base = await server.stats(true);
      const idle = await openIdle(url, n);
      await settle(t.quietAfterMs);
      const withIdle = await server.stats(true);
      for (const w of idle) w.close();
      await settle(1500);
      const load = runLoadProcess(url, ['--format', 'mulaw8k', '--calls', String(n), '--concurrency', String(n), '--duration', String(activeSeconds), '--ramp', '2']);
      // Measure while every call is talking: after the ramp, before the first ones end.
      await settle(Math.max(2500, (activeSeconds - 3) * 1000));
      const withActive = await server.stats(true);
      await load;
      const row: PerCall = {
        agent,
        calls: n,
        idleRssBytes: Math.round((withIdle.rssBytes - base.rssBytes) / n),
        idleHeapBytes: Math.round((withIdle.heapUsedBytes - base.heapUsedBytes) / n),
        activeRssBytes: Math.round((withActive.rssBytes - base.rssBytes) / n),
        activeHeapBytes: Math.round((withActive.heapUsedBytes - base.heapUsedBytes) / n),
        idleExternalBytes: Math.round((withIdle.externalBytes - base.externalBytes) / n),
        activeExternalBytes: Math.round((withActive.externalBytes - base.externalBytes) / n),
      };
      out.push(row);
      log(`  ${agent}: per idle call ${kb(row.idleHeapBytes)} heap + ${kb(row.idleExternalBytes)} external (${kb(row.idleRssBytes)} RSS), per active call ${kb(row.activeHeapBytes)} heap + ${kb(row.activeExternalBytes)} external (${kb(row.activeRssBytes)} RSS)`);
    } finally {
      await server.stop();
    }
  }
  return out;
}

/** Calls at `calls` concurrency for `minutes`, 30 s each, new ones replacing ended ones; memory every `sampleSeconds`. */
export async function measureLeak(calls: number, minutes: number, sampleSeconds: number, log: (s: string) => void): Promise<LeakRun> {
  const server = await startBenchServer('callwire echo', 'callwire-echo.ts');
  const url = `ws://127.0.0.1:${server.port}/plivo/stream`;
  const samples: [number, number, number][] = [];
  const callSeconds = Math.min(30, minutes * 30);
  try {
    const total = Math.ceil((minutes * 60) / callSeconds) * calls;
    const t0 = performance.now();
    const load = runLoadProcess(url, ['--format', 'mulaw8k', '--calls', String(total), '--concurrency', String(calls), '--duration', String(callSeconds), '--ramp', '5']);
    let done = false;
    // Observe the end either way; the rejection itself is raised by `await load` below.
    load.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done) {
      await settle(sampleSeconds * 1000);
      if (done) break;
      const s = await server.stats(true);
      const at = Math.round((performance.now() - t0) / 1000);
      samples.push([at, s.rssBytes, s.heapUsedBytes]);
      if (at % 60 < sampleSeconds) log(`  ${at} s: RSS ${(s.rssBytes / 1048576).toFixed(1)} MB, heap ${(s.heapUsedBytes / 1048576).toFixed(1)} MB`);
    }
    await load;
  } finally {
    await server.stop();
  }
  // Judge only while every call is running: after the first minute (the ramp and first
  // allocations) and before the last calls end (the wind-down frees memory and would hide growth).
  const from = minutes >= 2 ? 60 : 0;
  const steady = samples.filter((x) => x[0] >= from && x[0] <= minutes * 60 - sampleSeconds);
  const window = steady.length >= 2 ? steady : samples;
  // Medians of the first and last three samples (fewer in short runs) and the slope over all.
  const edge = Math.max(1, Math.min(3, Math.floor(window.length / 3)));
  // Too few samples is "not measured" (NaN), never a flat line that would pass.
  const trendOf = (i: 1 | 2): Pick<Trend, 'start' | 'end' | 'slopePerHour'> => {
    if (window.length < 2) return { start: Number.NaN, end: Number.NaN, slopePerHour: Number.NaN };
    return lineTrend(window.map((x) => [x[0], x[i]] as const), edge);
  };
  const rss = trendOf(1);
  const heap = trendOf(2);
  return {
    calls,
    minutes,
    callSeconds,
    samples,
    windowSeconds: [window[0]?.[0] ?? 0, window[window.length - 1]?.[0] ?? 0],
    rssAt1MinBytes: rss.start,
    rssAtEndBytes: rss.end,
    heapAt1MinBytes: heap.start,
    heapAtEndBytes: heap.end,
    rssSlopePerHourBytes: rss.slopePerHour,
    heapSlopePerHourBytes: heap.slopePerHour,
  };
}
