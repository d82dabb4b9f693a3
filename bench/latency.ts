/**
 * Section 2, added latency: one frame in -> the same frame out, through the full stack, timed
 * by a probe caller while background calls (`callwire load`, separate process) hold the server
 * at a share of its measured capacity. The raw `ws` echo server at the same load is the
 * baseline; the difference is what callwire adds.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { STREAM_FORMATS } from '../src/protocol/format.js';
import { mediaMessage, serializeInbound, startMessage } from '../src/protocol/serialize-inbound.js';
import { SERVERS } from './capacity.js';
import { runLoadProcess, startBenchServer } from './lib/procs.js';
import { type Summary, summarize } from '../src/emulator/summary.js';

/** Round trips of one server at one load. */
export interface LatencyRow {
  readonly server: string;
  readonly loadPercent: number;
  readonly backgroundCalls: number;
  readonly rttMs: Summary;
  /**
   * Audio queued at the caller's side (not yet played) when each echoed frame arrived, on
   * Plivo's playout model. A frame that arrives with ~300 ms queued ahead of it would be
   * heard no sooner had it been sent sooner: the Player holds audio beyond its bounded lead.
   */
  readonly leadMs: Summary;
}

/** What the probe measured. */
export interface ProbeResult {
  readonly rtts: number[];
  readonly leads: number[];
}

/** Probe: send `frames` marked 20 ms frames and time each echo. */
export async function probeRtt(url: string, frames: number): Promise<ProbeResult> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // A socket error after the open fails this probe (and its section), not the whole run.
  const failed = new Promise<never>((_, reject) => ws.once('error', reject));
  failed.catch(() => undefined);
  const streamId = randomUUID();
  ws.send(serializeInbound(startMessage({ callId: randomUUID(), streamId, accountId: 'MABENCH', format: STREAM_FORMATS['mulaw/8000'] })));
  const sentAt = new Map<number, number>();
  const rtts: number[] = [];
  const leads: number[] = [];
  let playoutEnd = 0;
  ws.on('message', (data: Buffer) => {
    const at = performance.now();
    const m = JSON.parse(data.toString()) as { event?: string; media?: { payload?: string } };
    if (m.event !== 'playAudio' || m.media?.payload === undefined) return;
    const b = Buffer.from(m.media.payload, 'base64');
    // The frame index rides in the first three bytes (each < 128, so no mu-law byte is special).
    const i = (b[0] as number) | ((b[1] as number) << 7) | ((b[2] as number) << 14);
    const t = sentAt.get(i);
    if (t !== undefined) {
      const lead = Math.max(0, playoutEnd - at);
      rtts.push(at - t);
      leads.push(lead);
      sentAt.delete(i);
    }
    playoutEnd = Math.max(at, playoutEnd) + 20;
  });
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) {
    const due = t0 + i * 20;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const audio = new Uint8Array(160).fill(0x7f);
    audio[0] = i & 0x7f;
    audio[1] = (i >> 7) & 0x7f;
    audio[2] = (i >> 14) & 0x7f;
    sentAt.set(i, performance.now());
    ws.send(serializeInbound(mediaMessage({ sequenceNumber: i + 2, streamId, chunk: i + 1, timestamp: Date.now(), audio })));
  }
  await Promise.race([new Promise((r) => setTimeout(r, 500)), failed]);
  ws.close();
  return { rtts, leads };
}

/** Measure at each share of `capacity`, for callwire and the raw baseline. */
export async function measureLatency(capacity: number, shares: readonly number[], probeFrames: number, rampWaitMs: number, log: (s: string) => void): Promise<LatencyRow[]> {
  const rows: LatencyRow[] = [];
  for (const s of [SERVERS[0], SERVERS[1]]) {
    const server = await startBenchServer(s.name, s.file);
    try {
      for (const share of shares) {
        const calls = Math.max(1, Math.round((capacity * share) / 100));
        // The background calls outlast the probe (ramp wait + probe + its 500 ms tail).
        const durationS = Math.ceil((probeFrames * 20 + rampWaitMs) / 1000) + 2;
        const load = runLoadProcess(`ws://127.0.0.1:${server.port}${s.path}`, ['--format', 'mulaw8k', '--calls', String(calls), '--concurrency', String(calls), '--duration', String(durationS), '--ramp', String(Math.max(1, Math.round(rampWaitMs / 1500)))]);
        await new Promise((r) => setTimeout(r, rampWaitMs)); // let the background calls ramp up
        const probe = await probeRtt(`ws://127.0.0.1:${server.port}${s.path}`, probeFrames);
        await load;
        const stats = summarize(probe.rtts);
        const leadMs = summarize(probe.leads);
        rows.push({ server: s.name, loadPercent: share, backgroundCalls: calls, rttMs: stats, leadMs });
        log(`  ${s.name} at ${share}% (${calls} calls): rtt p50 ${stats.p50.toFixed(2)} p95 ${stats.p95.toFixed(2)} p99 ${stats.p99.toFixed(2)} ms; queued at the caller p50 ${leadMs.p50.toFixed(0)} p99 ${leadMs.p99.toFixed(0)} ms`);
      }
    } finally {
      await server.stop();
    }
  }
  return rows;
}
