// The load generator against a parrot app (known behaviour) and against a wrong app.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { tone } from '../../src/audio/index.js';
import { aggregate, type failureOf, formatLoadReport } from '../../src/emulator/load/load-report.js';
import { type LoadProgress, runLoad } from '../../src/emulator/load/run-load.js';
import { encodeBase64 } from '../../src/protocol/index.js';
import { codeOf, useCleanup } from '../support/emulator.js';
import { startFakeApp } from '../support/fake-app.js';
import { parrot } from '../support/parrot.js';

const open = useCleanup();
const AUDIO = { samples: tone([300, 500], 500, 8000, { amplitude: 0.5 }), sampleRate: 8000 };

/** A /healthz that reports growing CPU time, like a busy server. */
async function fakeHealth() {
  const started = Date.now();
  const srv = createServer((_req, res) => {
    const up = Date.now() - started;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ status: 'ok', pid: 1, uptimeMs: up, rssBytes: 50e6 + up, heapUsedBytes: 10e6, cpuUserMicros: up * 250, cpuSystemMicros: up * 50, activeStreams: 2 }),
    );
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  open({ close: () => new Promise<void>((r) => srv.close(() => r())) });
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}/healthz`;
}

describe('runLoad', () => {
  it('runs N calls at most C at once, each for its duration, and aggregates latency, pacing and server usage', async () => {
    const app = open(await startFakeApp({ onStream: (s) => void parrot(s, { replyAfterSilenceMs: 200 }) }));
    const progress: LoadProgress[] = [];
    const report = await runLoad({
      answerUrl: app.answerUrl,
      calls: 4,
      concurrency: 2,
      durationS: 2.5,
      rampS: 0.5,
      audio: AUDIO,
      healthUrl: await fakeHealth(),
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 100,
    });
    expect(report.calls).toEqual({ total: 4, ok: 4, failed: 0 });
    expect(report.peakConcurrency).toBe(2);
    expect(app.streams.length).toBe(4);
    // Every call talked: the parrot answered at least one turn per call.
    expect(report.responseLatencyMs.count).toBeGreaterThanOrEqual(4);
    expect(report.responseLatencyMs.min).toBeGreaterThanOrEqual(200);
    expect(report.leadMs.count).toBeGreaterThan(0);
    expect(report.checkpointRttMs.count).toBeGreaterThanOrEqual(4);
    expect(report.server).toMatchObject({ activeStreamsMax: 2, heapUsedBytesMax: 10e6 });
    expect(report.server!.cpuPercentMean).toBeCloseTo(30, 0);
    expect(report.generator.ticker!.ticks).toBeGreaterThan(0);
    expect(report.wallMs).toBeGreaterThanOrEqual(5000);
    expect(progress.at(-1)).toMatchObject({ total: 4, finished: 4, ok: 4, active: 0 });
    expect(Math.max(...progress.map((p) => p.active))).toBeLessThanOrEqual(2);
    const text = formatLoadReport(report).join('\n');
    expect(text).toMatch(/calls ok \/ failed\s+4 \/ 0/);
    expect(text).toMatch(/CPU mean 30 %/);
  });

  it('counts failed calls by cause and protocol errors by code', async () => {
    const app = open(
      await startFakeApp({
        onStream: (s) => s.send({ event: 'playAudio', media: { contentType: 'audio/x-mulaw', sampleRate: 16000, payload: encodeBase64(new Uint8Array(160)) } }),
      }),
    );
    const report = await runLoad({ answerUrl: app.answerUrl, calls: 3, concurrency: 3, durationS: 1, audio: AUDIO, healthUrl: null, replyTimeoutMs: 300 });
    expect(report.calls).toEqual({ total: 3, ok: 0, failed: 3 });
    expect(report.failures).toEqual({ EMULATOR_INVALID_CONTENT_TYPE: 3 });
    expect(report.protocolErrors).toEqual({ EMULATOR_INVALID_CONTENT_TYPE: 3 });
    expect(report.server).toBeUndefined();
  });

  it('reports calls that could not connect', async () => {
    const report = await runLoad({ answerUrl: 'http://127.0.0.1:9/answer', calls: 2, concurrency: 2, durationS: 1, audio: AUDIO, healthUrl: null });
    expect(report.calls.failed).toBe(2);
    expect(Object.keys(report.failures)).toEqual(['EMULATOR_CONNECTION_FAILED']);
  });

  it('refuses impossible settings with CONFIG_INVALID', async () => {
    expect(await codeOf(runLoad({ answerUrl: 'http://x/', calls: 0, concurrency: 1, durationS: 1 }))).toBe('CONFIG_INVALID');
    expect(await codeOf(runLoad({ answerUrl: 'http://x/', calls: 1, concurrency: 1, durationS: 0 }))).toBe('CONFIG_INVALID');
    expect(await codeOf(runLoad({ calls: 1, concurrency: 1, durationS: 1 }))).toBe('CONFIG_INVALID');
    // URLs are checked before any call (a bad one was a bare TypeError from new URL).
    expect(await codeOf(runLoad({ answerUrl: 'http://127.0.0.1:99999/answer', calls: 1, concurrency: 1, durationS: 1 }))).toBe('CONFIG_INVALID');
    expect(await codeOf(runLoad({ streamUrl: 'ws://[::1', calls: 1, concurrency: 1, durationS: 1 }))).toBe('CONFIG_INVALID');
    expect(await codeOf(runLoad({ streamUrl: 'http://127.0.0.1/stream', calls: 1, concurrency: 1, durationS: 1 }))).toBe('CONFIG_INVALID');
    expect(await codeOf(runLoad({ answerUrl: 'http://x/', healthUrl: 'nope', calls: 1, concurrency: 1, durationS: 1 }))).toBe('CONFIG_INVALID');
  });

  it('aggregates lead, jitter and gaps over calls', () => {
    const call = (lead: number[]) =>
      ({
        ok: true,
        protocolErrors: [],
        hangup: { by: 'caller', reason: '', t: 0 },
        durationMs: 60_000,
        metrics: { responseLatencyMs: [], bargeInLatencyMs: [], gapsMs: [30], checkpointRttMs: [], leadMs: lead, jitterMs: lead.slice(1).map((v, i) => Math.abs(v - lead[i]!)), callerSpeechMs: 0, botAudioMs: 0 },
      }) as unknown as Parameters<typeof failureOf>[0];
    const r = aggregate({
      target: 't',
      reports: [call([100, 100, 110]), call([300, 290, 300])],
      wallMs: 1,
      peakConcurrency: 2,
      server: undefined,
      generator: { cpuPercent: 0, rssBytesMax: 0, ticker: undefined },
    });
    expect(r.pacingJitterMs.max).toBe(10);
    expect(r.leadMs.max).toBe(300);
    expect(r.gaps).toMatchObject({ count: 2, perCallMinute: 1 });
  });
});
