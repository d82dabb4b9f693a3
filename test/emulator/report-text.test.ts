// `callwire call --speed N`: the text report uses one time base, audio ms, in the timeline and
// the summary (the call's clock runs in real ms; audio runs N times faster).
import { describe, expect, it } from 'vitest';
import { buildReport, type CallReport } from '../../src/emulator/report.js';
import { formatSummary, formatTimeline } from '../../src/emulator/report-text.js';

function report(speed: number): CallReport {
  return {
    callId: 'c1', from: '+1', to: '+2', ok: true, format: 'mulaw/8000', speed, durationMs: 2500,
    hangup: { by: 'caller', reason: 'script ended', t: 2500 },
    streams: [],
    timeline: [
      { type: 'connected', t: 10, streamId: 'stream-1', ms: 10 },
      { type: 'response_latency', t: 500, ms: 250 },
      { type: 'gap', t: 600, ms: 30 },
    ] as unknown as CallReport['timeline'],
    protocolErrors: [],
    warnings: [],
    metrics: { responseLatencyMs: [250], bargeInLatencyMs: [], gapsMs: [30], checkpointRttMs: [], leadMs: [400], jitterMs: [], callerSpeechMs: 1000, botAudioMs: 2000 },
    recording: undefined,
  };
}

describe('report text at --speed 4', () => {
  it('shows the timeline and the summary in audio ms, and says so', () => {
    const timeline = formatTimeline(report(4));
    expect(timeline[0]).toContain('audio ms');
    // 500 ms of the call's (real) clock at speed 4 is 2000 audio ms; the 250 ms latency is 1000.
    expect(timeline.some((l) => /^\s*2000\.0\s+latency\s+response 1000 ms$/.test(l))).toBe(true);
    expect(timeline.some((l) => l.includes('ran dry for 120 ms'))).toBe(true);
    const summary = formatSummary(report(4)).join('\n');
    expect(summary).toContain('response latency  p50 1000 ms');
    expect(summary).toContain('gaps              1, p50 120 ms');
    expect(summary).toContain('pacing lead       p50 400 ms');
    expect(summary).toContain('figures in audio ms');
  });

  it('at speed 1 nothing changes: real ms and audio ms are the same', () => {
    const timeline = formatTimeline(report(1));
    expect(timeline.some((l) => /^\s*500\.0\s+latency\s+response 250 ms$/.test(l))).toBe(true);
    expect(timeline.join('\n')).not.toContain('audio ms');
  });
});

describe('--speed N against a real-time server', () => {
  const parts = (speed: number, leadMs: number[], gapsMs: number[]) => ({
    callId: 'c1', from: '+1', to: '+2', format: 'mulaw/8000', speed, durationMs: 2300,
    hangup: { by: 'caller' as const, reason: 'the caller hung up', t: 2300 },
    streams: [], timeline: [], recording: undefined,
    metrics: { responseLatencyMs: [], bargeInLatencyMs: [], gapsMs, checkpointRttMs: [], leadMs, jitterMs: [], callerSpeechMs: 1340, botAudioMs: 2160 },
  });

  it('says why the reply was starved (and the call hung up mid-reply), and the fix', () => {
    // Measured: `callwire serve` (real time) + `callwire call --speed 4`: 50 gaps of ~60 ms, median lead -496 ms.
    const r = buildReport(parts(4, [-496, -500, 239, -480, -496], Array(50).fill(60)));
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain('arrived slower than it played');
    expect(r.warnings[0]).toContain('scaledClock(4)');
    expect(formatTimeline(r).join('\n')).toContain('mid-reply');
  });

  it('no warning at speed 1, or when the server kept up', () => {
    expect(buildReport(parts(1, [-496, -500, -480], Array(50).fill(60))).warnings).toEqual([]);
    expect(buildReport(parts(4, [200, 180, 220], [])).warnings).toEqual([]);
  });
});
