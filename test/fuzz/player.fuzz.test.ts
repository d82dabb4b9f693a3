// The Player with hostile input: PCM at any "rate" (0, NaN, fractions, huge), random mu-law
// and wire bytes, WAVs with random headers and lying sizes, inputs of the wrong shape, interleaved with streamed items,
// checkpoints, clears, stray acks and time passing. Properties: only CallwireErrors escape;
// every frame sent is a whole 20 ms playAudio of the stream's format; and the Player is never
// wedged: after any sequence, a good utterance still plays to its end and settles.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeWav, tone } from '../../src/audio/index.js';
import { ManualClock } from '../../src/clock.js';
import { STREAM_FORMATS, type StreamFormat, parseOutbound } from '../../src/protocol/index.js';
import type { AudioInput } from '../../src/stream/audio-input.js';
import { Pacer } from '../../src/stream/pacer.js';
import { Player } from '../../src/stream/player.js';
import { newCounters } from '../../src/stream/types.js';
import { growthAfter, onlyCallwireErrors, params } from './support.js';

const rate = fc.oneof(fc.constantFrom(8000, 16000, 24000, 44100, 48000, 22050, 1000, 384000), fc.constantFrom(0, -8000, Number.NaN, Number.POSITIVE_INFINITY, 7999.5, 1e12, 999, 384001), fc.integer({ min: 1000, max: 96000 }));
const pcm = fc.tuple(fc.integer({ min: 0, max: 2400 }), fc.integer({ min: -32768, max: 32767 })).map(([n, v]) => new Int16Array(n).map((_, i) => (i % 7 === 0 ? v : Math.round(v / 3))));
const bytes = fc.uint8Array({ maxLength: 1200 });
const wavHeader = fc
  .record({ tag: fc.constantFrom(1, 3, 6, 7, 0xfffe, 5), channels: fc.constantFrom(0, 1, 2, 3, 8, 0xffff), rate: fc.oneof(rate.map((r) => (Number.isFinite(r) && r > 0 ? Math.min(r, 0xffffffff) >>> 0 : 0)), fc.nat()), bits: fc.constantFrom(8, 16, 24, 32, 64, 12, 0), dataSize: fc.constantFrom(0, 100, 0xffffffff) })
  .chain((h) =>
    bytes.map((data) => {
      const head = encodeWav(new Int16Array(0), 8000);
      const dv = new DataView(head.buffer);
      dv.setUint16(20, h.tag, true);
      dv.setUint16(22, h.channels, true);
      dv.setUint32(24, h.rate, true);
      dv.setUint16(34, h.bits, true);
      dv.setUint32(40, h.dataSize, true);
      const out = new Uint8Array(head.length + data.length);
      out.set(head);
      out.set(data, head.length);
      return out;
    }),
  );
// What a plain JavaScript caller can pass instead of an AudioInput: no source, two sources,
// a source of the wrong type (each was a TypeError from inside a codec).
const misshapen = fc.oneof(
  fc.constantFrom<unknown>({}, null, undefined, 'audio', 42),
  fc.tuple(fc.constantFrom('pcm', 'mulaw', 'wav', 'wire'), fc.constantFrom<unknown>('abc', null, 12, [1, 2], {}, new Float32Array(4), new Uint16Array(4)), rate).map(([k, v, r]) => ({ [k]: v, sampleRate: r })),
  fc.tuple(pcm, bytes).map(([p, b]) => ({ pcm: p, sampleRate: 8000, mulaw: b })),
  bytes.map((b) => ({ pcm: b, sampleRate: 8000 })),
) as fc.Arbitrary<AudioInput>;
const input: fc.Arbitrary<AudioInput> = fc.oneof(
  fc.tuple(pcm, rate).map(([p, r]) => ({ pcm: p, sampleRate: r })),
  bytes.map((b) => ({ mulaw: b })),
  bytes.map((b) => ({ wire: b })),
  fc.oneof(wavHeader, bytes).map((b) => ({ wav: b })),
  wavHeader.map((b) => ({ wire: b })),
  misshapen,
);
type Op =
  | { op: 'play'; input: AudioInput }
  | { op: 'stream'; inputs: AudioInput[]; end: boolean }
  | { op: 'checkpoint'; name: string }
  | { op: 'clear' }
  | { op: 'ack'; name: string }
  | { op: 'advance'; ms: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: input.map((i) => ({ op: 'play' as const, input: i })) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('stream' as const), inputs: fc.array(input, { maxLength: 3 }), end: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('checkpoint' as const), name: fc.string({ maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ack' as const), name: fc.oneof(fc.constantFrom('cw-1', 'cw-2', 'cw-3'), fc.string({ maxLength: 8 })) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }) },
);

function run(format: StreamFormat, ops: readonly Op[]): void {
  const clock = new ManualClock(1000);
  const pacer = new Pacer(clock, 10);
  const frames: number[] = [];
  const marks: string[] = [];
  const player = new Player({
    format,
    streamId: 's',
    send: (text) => {
      const m = parseOutbound(text);
      if (m.event === 'playAudio') {
        expect(m.contentType).toBe(format.encoding);
        expect(m.sampleRate).toBe(format.sampleRate);
        frames.push(m.audio.length);
      } else if (m.event === 'checkpoint') marks.push(m.name);
    },
    bufferedAmount: () => 0,
    clock,
    pacer,
    counters: newCounters(),
    maxQueuedMs: 10_000,
  });
  const open: ReturnType<Player['open']>[] = [];
  for (const o of ops) {
    switch (o.op) {
      case 'play':
        onlyCallwireErrors(() => player.play(o.input), ['audio', 'stream']);
        break;
      case 'stream': {
        const w = player.open();
        open.push(w);
        for (const i of o.inputs) onlyCallwireErrors(() => w.write(i), ['audio', 'stream']);
        void onlyCallwireErrors(() => w.checkpoint('', 1), ['protocol']);
        if (o.end) w.end();
        break;
      }
      case 'checkpoint':
        void onlyCallwireErrors(() => player.checkpoint(o.name), ['protocol']);
        break;
      case 'clear':
        player.clear();
        break;
      case 'ack':
        player.ack(marks.includes(o.name) ? o.name : o.name, clock.now());
        break;
      case 'advance':
        clock.advance(o.ms);
        break;
    }
  }
  // Streams the application left open end now (as the agent does when a reply completes).
  for (const w of open) w.end();
  // Not wedged: a good utterance queued after all that plays to its end.
  const good = player.play({ pcm: tone(440, 200, 8000), sampleRate: 8000 }, { text: 'still here' });
  let settled = false;
  void good.done.then(() => {
    settled = true;
  });
  for (let t = 0; t < 4000 && good.state !== 'sent' && good.state !== 'played'; t++) {
    clock.advance(10);
    // Plivo acks every checkpoint once played: answer them all, late.
    for (const m of marks.splice(0)) player.ack(m, clock.now());
  }
  expect(['sent', 'played']).toContain(good.state);
  for (const m of marks.splice(0)) player.ack(m, clock.now() + 1000);
  expect(frames.every((n) => n === format.frameBytes)).toBe(true);
  player.destroy();
  return void settled;
}

const format = fc.constantFrom(STREAM_FORMATS['mulaw/8000'], STREAM_FORMATS['l16/8000'], STREAM_FORMATS['l16/16000']);

describe('fuzz: Player input', () => {
  it('hostile inputs and operation orders: only coded errors; frames are whole; never wedged', () => {
    fc.assert(fc.property(format, fc.array(op, { maxLength: 12 }), (f, ops) => run(f, ops)), params(1500));
  });

  it('a rejected input does not block what is queued after it', () => {
    const bad: AudioInput[] = [{ wav: new Uint8Array([1, 2, 3]) }, { pcm: new Int16Array(10), sampleRate: 5 }, { pcm: new Int16Array(8000 * 20), sampleRate: 8000 }];
    for (const b of bad) run(STREAM_FORMATS['mulaw/8000'], [{ op: 'play', input: b }]);
  });

  it('memory stays bounded (resampler state is freed with its item)', () => {
    const sequences = fc.sample(fc.tuple(format, fc.array(op, { maxLength: 8 })), 150);
    const growth = growthAfter(() => {
      for (const [f, ops] of sequences) run(f, ops);
    }, 6);
    expect(growth).toBeLessThan(4 * 1024 * 1024);
  });
});
