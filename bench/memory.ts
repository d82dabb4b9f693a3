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
  readonly rssAt1MinBytes: number;
  readonly rssAtEndBytes: number;
  readonly heapAt1MinBytes: number;
  readonly heapAtEndBytes: number;
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
      await settle(1000);
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
    void load.finally(() => {
      done = true;
    });
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
  // "After 1 minute" (or the first sample of a run shorter than two minutes).
  const at1 = (minutes >= 2 ? samples.find((s) => s[0] >= 60) : undefined) ?? samples[0];
  const end = samples[samples.length - 1];
  return {
    calls,
    minutes,
    callSeconds,
    samples,
    rssAt1MinBytes: at1?.[1] ?? 0,
    rssAtEndBytes: end?.[1] ?? 0,
    heapAt1MinBytes: at1?.[2] ?? 0,
    heapAtEndBytes: end?.[2] ?? 0,
  };
}
