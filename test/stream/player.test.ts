// The Player's pacing, checkpoints and clear report, driven by a manual clock. The Player
// writes text frames through a `send` function; the tests read them back with the
// Plivo-side parser.
import { describe, expect, it } from 'vitest';
import { tone } from '../../src/audio/index.js';
import { ManualClock } from '../../src/clock.js';
import { STREAM_FORMATS, parseOutbound } from '../../src/protocol/index.js';
import { Pacer } from '../../src/stream/pacer.js';
import { Player } from '../../src/stream/player.js';
import { newCounters } from '../../src/stream/types.js';

function setup(leadMs = 300, buffered = () => 0) {
  const clock = new ManualClock(1000);
  const pacer = new Pacer(clock, 10);
  const sent: { at: number; event: string; name?: string; bytes?: number }[] = [];
  const counters = newCounters();
  const player = new Player({
    format: STREAM_FORMATS['mulaw/8000'],
    streamId: 'stream-1',
    send: (text) => {
      const m = parseOutbound(text);
      sent.push({ at: clock.now(), event: m.event, name: 'name' in m ? m.name : undefined, bytes: m.event === 'playAudio' ? m.audio.length : undefined });
    },
    bufferedAmount: buffered,
    clock,
    pacer,
    counters,
    leadMs,
  });
  return { clock, pacer, player, sent, counters };
}

describe('Player pacing', () => {
  it('sends a 3 s utterance as 20 ms frames without ever running more than the target lead ahead', () => {
    const { clock, player, sent } = setup(300);
    const item = player.play({ pcm: tone(440, 3000, 16000), sampleRate: 16000 }, { text: 'hello' });
    const t0 = clock.now();
    for (let i = 0; i < 400; i++) clock.advance(10);
    const frames = sent.filter((s) => s.event === 'playAudio');
    expect(frames.length).toBe(150);
    expect(frames.every((f) => f.bytes === 160)).toBe(true);
    frames.forEach((f, i) => {
      const lead = (i + 1) * 20 - (f.at - t0);
      expect(lead).toBeLessThanOrEqual(300);
    });
    // The first burst fills the lead at once: no waiting for the first tick.
    expect(frames.filter((f) => f.at === t0).length).toBe(15);
    expect(sent[sent.length - 1]?.event).toBe('checkpoint');
    expect(item.state).toBe('sent');
  });

  it('a late tick is made up (drift correction), never exceeding the lead', () => {
    const { clock, player, sent } = setup(200);
    player.play({ pcm: tone(440, 2000, 8000), sampleRate: 8000 });
    const t0 = clock.now();
    clock.advance(500); // one very late tick
    const n = sent.filter((s) => s.event === 'playAudio').length;
    expect(n * 20).toBeLessThanOrEqual(500 + 200);
    expect(n * 20).toBeGreaterThanOrEqual(500 + 200 - 20);
    expect(clock.now() - t0).toBe(500);
  });

  it('stops sending while the socket buffer is over its bound and reports degraded once', () => {
    let buffered = 1_000_000;
    const { clock, player, sent, counters } = setup(300, () => buffered);
    player.play({ pcm: tone(440, 1000, 8000), sampleRate: 8000 });
    clock.advance(200);
    expect(sent.filter((s) => s.event === 'playAudio').length).toBe(0);
    expect(counters.backpressureEvents).toBe(1);
    buffered = 0;
    clock.advance(20);
    expect(sent.filter((s) => s.event === 'playAudio').length).toBeGreaterThan(0);
  });
});

describe('Player checkpoints and clear', () => {
  it('resolves item checkpoints in order as acks arrive, and user checkpoints too', async () => {
    const { clock, player, sent } = setup(300);
    const a = player.play({ pcm: tone(440, 100, 8000), sampleRate: 8000 }, { text: 'a' });
    const mark = player.checkpoint('after-a');
    const b = player.play({ pcm: tone(440, 100, 8000), sampleRate: 8000 }, { text: 'b' });
    clock.advance(300);
    const names = sent.filter((s) => s.event === 'checkpoint').map((s) => s.name);
    expect(names).toEqual(['cw-1', 'after-a', 'cw-2']);
    // Acking the last one settles everything before it (Plivo acks in order).
    expect(player.ack('cw-2', clock.now())).toBe(true);
    await expect(a.done).resolves.toEqual({ status: 'played', durationMs: 100, playedMs: 100 });
    await expect(mark).resolves.toBe('played');
    await expect(b.done).resolves.toMatchObject({ status: 'played' });
    expect(player.ack('cw-1', clock.now())).toBe(false);
    await player.whenIdle();
  });

  it('clear() sends clearAudio, settles pending checkpoints and reports the ms each item played', async () => {
    const { clock, player, sent, counters } = setup(300);
    const first = player.play({ pcm: tone(440, 200, 8000), sampleRate: 8000 }, { text: 'first sentence' });
    const second = player.play({ pcm: tone(440, 1000, 8000), sampleRate: 8000 }, { text: 'second sentence' });
    const third = player.play({ pcm: tone(440, 500, 8000), sampleRate: 8000 }, { text: 'third' });
    const mark = player.checkpoint('end');
    clock.advance(450); // 200 ms of first + 250 ms of second have played
    const report = player.clear();
    expect(sent[sent.length - 1]?.event).toBe('clearAudio');
    expect(report.items.map((i) => [i.text, i.status, Math.round(i.playedMs)])).toEqual([
      ['first sentence', 'played', 200],
      ['second sentence', 'cleared', 250],
      ['third', 'cleared', 0],
    ]);
    expect(Math.round(report.droppedMs)).toBe(1250);
    await expect(first.done).resolves.toMatchObject({ status: 'played', playedMs: 200 });
    await expect(second.done).resolves.toMatchObject({ status: 'cleared', playedMs: 250, durationMs: 1000 });
    await expect(third.done).resolves.toMatchObject({ status: 'cleared', playedMs: 0 });
    await expect(mark).resolves.toBe('cleared');
    expect(counters.clears).toBe(1);
    // Nothing more goes out after the clear, and late acks are ignored.
    const count = sent.length;
    clock.advance(1000);
    expect(sent.length).toBe(count);
    expect(player.ack('cw-2', clock.now())).toBe(false);
    expect(player.leadMs).toBe(0);
  });

  it('a streaming writer keeps order, pads the last frame, and refuses writes after a clear', async () => {
    const { clock, player, sent } = setup(300);
    const w = player.open({ text: 'streamed' });
    expect(w.write({ pcm: tone(440, 30, 8000), sampleRate: 8000 })).toBe(true);
    expect(sent.filter((s) => s.event === 'playAudio').length).toBe(1); // 20 ms framed, 10 ms held
    w.write({ pcm: tone(440, 30, 8000), sampleRate: 8000 });
    w.end();
    clock.advance(100);
    expect(sent.filter((s) => s.event === 'playAudio').length).toBe(3); // 60 ms -> 3 frames
    expect(w.item.durationMs).toBe(60);
    const w2 = player.open();
    w2.write({ pcm: tone(440, 100, 8000), sampleRate: 8000 });
    player.clear();
    expect(w2.write({ pcm: tone(440, 100, 8000), sampleRate: 8000 })).toBe(false);
  });

  it('strips and obeys WAV headers, converts any rate, passes mu-law through untouched', () => {
    const { clock, player, sent } = setup(1000);
    // A 24 kHz WAV (as a TTS might return) becomes 8 kHz mu-law frames.
    const pcm24 = tone(440, 200, 24000);
    const header = new Uint8Array(44);
    const dv = new DataView(header.buffer);
    header.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
    dv.setUint32(4, 36 + pcm24.length * 2, true);
    header.set([...'WAVEfmt '].map((c) => c.charCodeAt(0)), 8);
    dv.setUint32(16, 16, true);
    dv.setUint16(20, 1, true);
    dv.setUint16(22, 1, true);
    dv.setUint32(24, 24000, true);
    dv.setUint32(28, 48000, true);
    dv.setUint16(32, 2, true);
    dv.setUint16(34, 16, true);
    header.set([...'data'].map((c) => c.charCodeAt(0)), 36);
    dv.setUint32(40, pcm24.length * 2, true);
    const wav = new Uint8Array(44 + pcm24.length * 2);
    wav.set(header);
    wav.set(new Uint8Array(pcm24.buffer), 44);
    player.play({ wire: wav });
    clock.advance(50);
    const frames = sent.filter((s) => s.event === 'playAudio');
    expect(frames.length).toBe(10);
    expect(frames.every((f) => f.bytes === 160)).toBe(true);
  });

  it('refuses audio of another shape with AUDIO_INVALID_FORMAT, not a TypeError, and keeps playing', () => {
    const { clock, player, sent } = setup(1000);
    const bad: unknown[] = [
      {},
      null,
      'audio',
      { wire: 'abc' },
      { mulaw: 'xx' },
      { wav: null },
      { pcm: [1, 2], sampleRate: 8000 },
      { pcm: new Uint8Array(4), sampleRate: 8000 },
      { pcm: new Int16Array(160), sampleRate: 8000, mulaw: new Uint8Array(160) },
    ];
    for (const input of bad) {
      expect(() => player.play(input as never)).toThrow(expect.objectContaining({ code: 'AUDIO_INVALID_FORMAT', message: expect.stringContaining('audio to play must be one of') }));
    }
    // An absent source next to a real one is no conflict.
    player.play({ pcm: undefined, mulaw: new Uint8Array(160) } as never);
    clock.advance(50);
    expect(sent.filter((s) => s.event === 'playAudio').length).toBe(1);
  });
});

describe('checkpoints inside an item', () => {
  it('sends a mark right after the frames written before it, and settles unsent marks on clear', async () => {
    const { clock, player, sent } = setup(100);
    const w = player.open({ text: 'reply' });
    w.write({ pcm: tone(440, 20, 8000), sampleRate: 8000 });
    const first = w.checkpoint('first-audio');
    w.write({ pcm: tone(440, 400, 8000), sampleRate: 8000 });
    const later = w.checkpoint('later');
    w.end();
    const events = sent.map((s) => s.event + (s.name ? `:${s.name}` : ''));
    expect(events.slice(0, 2)).toEqual(['playAudio', 'checkpoint:first-audio']);
    expect(player.ack('first-audio', clock.now() + 20)).toBe(true);
    await expect(first).resolves.toBe('played');
    player.clear();
    await expect(later).resolves.toBe('cleared');
  });
});
