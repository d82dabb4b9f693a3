// audioTrack="both": Plivo numbers media.chunk per track, so the caller's frames and the
// outbound track's interleave with independent counters. A CallStream behind a plain ws
// server, called by the emulator streaming both tracks.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { tone } from '../../src/audio/index.js';
import { PlivoEmulator } from '../../src/emulator/index.js';
import { CallStream } from '../../src/stream/call-stream.js';
import { TrackSequencer } from '../../src/stream/track-sequence.js';
import type { InboundAudioFrame } from '../../src/stream/types.js';
import { until } from '../support/emulator.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A ws server whose every connection is a CallStream. */
async function appServer(): Promise<{ url: string; streams: CallStream[] }> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const streams: CallStream[] = [];
  wss.on('connection', (ws) => {
    const s = new CallStream(ws, { keepalive: false });
    streams.push(s);
    s.resume();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    http.close(() => r());
  }));
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/stream`, streams };
}

describe('audioTrack="both"', () => {
  it('keeps per-track chunk counters: the agent hears every caller frame, the outbound track is its own stream', async () => {
    const app = await appServer();
    const emu = new PlivoEmulator();
    cleanups.push(() => emu.close());
    const call = await emu.startCall({ streamUrl: app.url, audioTrack: 'both', speed: 4 });
    const stream = await until(() => app.streams[0], 'the stream');
    const caller: InboundAudioFrame[] = [];
    const outbound: InboundAudioFrame[] = [];
    stream.on('audio', (f) => void caller.push(f));
    stream.on('outboundAudio', (f) => void outbound.push(f));
    await stream.started();
    stream.player.play({ pcm: tone(440, 600, 8000, { amplitude: 0.4 }), sampleRate: 8000 }, { label: 'tone' });
    await call.play(tone(300, 800, 8000, { amplitude: 0.3 }), 8000);
    await call.waitForBotSilence(200);
    await call.hangup();
    expect(stream.info?.tracks).toEqual(['inbound', 'outbound']);
    // On the old code one counter saw both tracks: about half the caller's frames were "late"
    // and the outbound track reached the agent as caller audio.
    expect(stream.counters).toMatchObject({ lateFrames: 0, gaps: 0, badFrames: 0 });
    expect(caller.length).toBeGreaterThanOrEqual(40);
    expect(caller.every((f) => f.track === 'inbound')).toBe(true);
    expect(outbound.length).toBeGreaterThan(20);
    expect(outbound.every((f) => f.track === 'outbound')).toBe(true);
    expect(stream.counters.framesIn).toBe(caller.length);
    expect(stream.counters.outboundFramesIn).toBe(outbound.length);
    // Positions are per track: each starts at 0 and advances 20 ms a frame.
    expect(caller[0]!.audioMs).toBe(0);
    expect(outbound[0]!.audioMs).toBe(0);
    expect(caller.at(-1)!.audioMs).toBe((caller.length - 1) * 20);
    // The tone the app played comes back on the outbound track (what the caller hears).
    expect(outbound.some((f) => f.pcm.some((v) => Math.abs(v) > 5000))).toBe(true);
  });
});

describe('TrackSequencer', () => {
  it('orders each track on its own and counts gaps per track', () => {
    const t = new TrackSequencer();
    expect(t.next('inbound', 1, 20)).toEqual({ kind: 'accept', gap: 0, audioMs: 0 });
    expect(t.next('outbound', 1, 20)).toEqual({ kind: 'accept', gap: 0, audioMs: 0 });
    expect(t.next('outbound', 2, 20)).toEqual({ kind: 'accept', gap: 0, audioMs: 20 });
    expect(t.next('inbound', 2, 20)).toEqual({ kind: 'accept', gap: 0, audioMs: 20 });
    expect(t.next('inbound', 2, 20)).toEqual({ kind: 'late' });
    expect(t.next('inbound', 5, 20)).toEqual({ kind: 'accept', gap: 2, audioMs: 40 });
    expect(t.next('outbound', 3, 20)).toEqual({ kind: 'accept', gap: 0, audioMs: 40 });
    expect(t.next('inbound', 0, 20)).toEqual({ kind: 'accept', gap: 0, audioMs: 60 });
  });
});
