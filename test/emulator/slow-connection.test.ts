// Plivo's slow-connection buffer: when the app's socket does not take the caller's audio,
// Plivo holds up to 40 s of it, posts DegradedStream at 30/60/90 % and drops the stream when
// it is full (best-practices page). Emulated with a read stall; the app's own playAudio queue
// is a different fault (buffer_overflow, guide only) and never posts DegradedStream.
import { describe, expect, it } from 'vitest';
import { audioChecks } from '../../src/doctor/audio-checks.js';
import { PlivoEmulator } from '../../src/emulator/index.js';
import { SlowConnectionBuffer } from '../../src/emulator/slow-connection.js';
import { STREAM_FORMATS } from '../../src/protocol/index.js';
import { errorCodes, eventsOf, useCleanup } from '../support/emulator.js';
import { startFakeApp } from '../support/fake-app.js';

const open = useCleanup();
const TOKEN = 'slow-token';

async function stalledCall(forMs: number) {
  const app = open(await startFakeApp({ authToken: TOKEN }));
  const emu = open(new PlivoEmulator({ authToken: TOKEN }));
  // speed 20: one clock second is 20 s of caller audio.
  const call = await emu.startCall({ answerUrl: app.answerUrl, speed: 20, impairments: { stall: { atMs: 100, forMs } } });
  const stream = await app.nextStream();
  return { app, call, stream };
}

const CTX = { maxLeadMs: 1000, answerTimeoutMs: 1000, noCall: 'no call' };

describe('the slow-connection buffer', () => {
  it('a read stall of about 20 s of audio posts DegradedStream at 30 %, and the call goes on', async () => {
    const { app, call } = await stalledCall(1000);
    await app.callback('DegradedStream');
    await new Promise((r) => setTimeout(r, 1500));
    const report = await call.hangup();
    expect(eventsOf(report.timeline, 'slow_connection').map((e) => e.percent)).toEqual([30]);
    expect(app.callbacks.filter((c) => c.params.Event === 'DegradedStream').map((c) => c.params.BufferPercent)).toEqual(['30']);
    expect(report.streams[0]!.endReason).toBe('hangup');
    expect(errorCodes(report)).toEqual([]);
    // The doctor names the connection, not the app's pacing.
    const pacing = audioChecks({ report, connected: true, error: undefined, greeted: false, callerSpoke: true, notes: [] }, STREAM_FORMATS['mulaw/8000'], CTX).find((c) => c.id === 'audio.pacing')!;
    expect(pacing.status).toBe('fail');
    expect(pacing.seen).toContain('the connection reads too slowly');
    expect(pacing.seen).not.toContain('buffer_overflow');
    expect(pacing.fix).toContain('read the WebSocket as fast as Plivo sends');
  });

  it('a stall past 40 s of audio: DegradedStream at 30, 60, 90 %, then DroppedStream (slow connection) and 1011', async () => {
    const { app, call, stream } = await stalledCall(2500);
    const report = await call.finished;
    expect(eventsOf(report.timeline, 'slow_connection').map((e) => e.percent)).toEqual([30, 60, 90]);
    expect(errorCodes(report)).toEqual(['EMULATOR_STREAM_DROPPED']);
    expect(report.streams[0]!.endReason).toBe('dropped');
    expect(await stream.closed).toBe(1011);
    await app.callback('DroppedStream');
    const posted = app.callbacks.filter((c) => c.params.Event !== 'StartStream');
    expect(posted.map((c) => [c.params.Event, c.params.BufferPercent ?? c.params.Error])).toEqual([
      ['DegradedStream', '30'],
      ['DegradedStream', '60'],
      ['DegradedStream', '90'],
      ['DroppedStream', 'slow_connection'],
    ]);
    const pacing = audioChecks({ report, connected: true, error: undefined, greeted: false, callerSpoke: true, notes: [] }, STREAM_FORMATS['mulaw/8000'], CTX).find((c) => c.id === 'audio.pacing')!;
    expect(pacing.seen).toContain('then dropped the stream (DroppedStream)');
  });

  it('re-arms a threshold only after the fill falls well below it', () => {
    const b = new SlowConnectionBuffer(40_000);
    expect(b.update(12_000).crossed).toEqual([30]);
    expect(b.update(11_000).crossed).toEqual([]);
    expect(b.update(12_500).crossed).toEqual([]);
    expect(b.update(5_000).crossed).toEqual([]);
    expect(b.update(13_000).crossed).toEqual([30]);
    expect(b.update(40_000)).toEqual({ crossed: [60, 90], full: true });
  });
});
