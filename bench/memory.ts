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
  readonly activeRssBytes: number;
  readonly activeHeapBytes: number;
}

/** The long run. */
export interface LeakRun {
  readonly calls: number;
  readonly minutes: number;
  /** [seconds since start, RSS bytes, heap bytes] every sample. */
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

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Per idle and per active call, for the echo agent and the built-in agent. */
export async function measurePerCall(n: number, log: (s: string) => void): Promise<PerCall[]> {
  const out: PerCall[] = [];
  for (const agent of ['echo', 'builtin'] as const) {
    const server = await startBenchServer(`callwire ${agent}`, 'callwire-echo.ts', { AGENT: agent });
    const url = `ws://127.0.0.1:${server.port}/plivo/stream`;
    try {
      // Warm up (first allocations, JIT), then measure from a collected heap.
      await openIdle(url, 5).then(async (ws) => {
        await settle(500);
        for (const w of ws) w.close();
      });
      await settle(1000);
      const base = await server.stats(true);
      const idle = await openIdle(url, n);
      // Idle means nothing flowing: the built-in agent's greeting (about 10 s) must have played.
      await settle(agent === 'builtin' ? 16_000 : 2000);
      const withIdle = await server.stats(true);
      for (const w of idle) w.close();
      await settle(1500);
      const load = runLoadProcess(url, ['--format', 'mulaw8k', '--calls', String(n), '--concurrency', String(n), '--duration', '14', '--ramp', '2']);
      await settle(9000);
      const withActive = await server.stats(true);
      await load;
      const row: PerCall = {
        agent,
        calls: n,
        idleRssBytes: Math.round((withIdle.rssBytes - base.rssBytes) / n),
        idleHeapBytes: Math.round((withIdle.heapUsedBytes - base.heapUsedBytes) / n),
        activeRssBytes: Math.round((withActive.rssBytes - base.rssBytes) / n),
        activeHeapBytes: Math.round((withActive.heapUsedBytes - base.heapUsedBytes) / n),
      };
      out.push(row);
      log(`  ${agent}: per idle call ${(row.idleRssBytes / 1024).toFixed(0)} KB RSS (${(row.idleHeapBytes / 1024).toFixed(0)} KB heap), per active call ${(row.activeRssBytes / 1024).toFixed(0)} KB RSS (${(row.activeHeapBytes / 1024).toFixed(0)} KB heap)`);
    } finally {
      await server.stop();
    }
  }
  return out;
}

/** Calls at `calls` concurrency for `minutes`, 30 s each, new ones replacing ended ones; memory every 10 s. */
export async function measureLeak(calls: number, minutes: number, log: (s: string) => void): Promise<LeakRun> {
  const server = await startBenchServer('callwire echo', 'callwire-echo.ts');
  const url = `ws://127.0.0.1:${server.port}/plivo/stream`;
  const samples: [number, number, number][] = [];
  try {
    const callSeconds = 30;
    const total = Math.ceil((minutes * 60) / callSeconds) * calls;
    const t0 = performance.now();
    const load = runLoadProcess(url, ['--format', 'mulaw8k', '--calls', String(total), '--concurrency', String(calls), '--duration', String(callSeconds), '--ramp', '5']);
    let done = false;
    void load.finally(() => {
      done = true;
    });
    while (!done) {
      await settle(10_000);
      if (done) break;
      const s = await server.stats(true);
      const at = Math.round((performance.now() - t0) / 1000);
      samples.push([at, s.rssBytes, s.heapUsedBytes]);
      if (at % 60 < 10) log(`  ${at} s: RSS ${(s.rssBytes / 1048576).toFixed(1)} MB, heap ${(s.heapUsedBytes / 1048576).toFixed(1)} MB`);
    }
    await load;
  } finally {
    await server.stop();
  }
  const at1 = samples.find((s) => s[0] >= 60) ?? samples[0];
  const end = samples[samples.length - 1];
  return {
    calls,
    minutes,
    samples,
    rssAt1MinBytes: at1?.[1] ?? 0,
    rssAtEndBytes: end?.[1] ?? 0,
    heapAt1MinBytes: at1?.[2] ?? 0,
    heapAtEndBytes: end?.[2] ?? 0,
  };
}
