// Feeds 100,000+ random and mutated frames to parseInbound. Property: it returns a typed
// message or throws a ProtocolError; nothing else escapes, and nothing hangs (the test
// timeout is the hang detector).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { STREAM_FORMATS, dtmfMessage, mediaMessage, parseInbound, serializeInbound, startMessage } from '../../src/protocol/index.js';
import { growthAfter, params } from './support.js';

const seeds = [
  serializeInbound(startMessage({ callId: 'c', streamId: 's', accountId: 'MA', format: STREAM_FORMATS['mulaw/8000'], extraHeaders: 'a=1;b=2' })),
  serializeInbound(mediaMessage({ sequenceNumber: 5, streamId: 's', chunk: 4, timestamp: 1705312200000, audio: new Uint8Array(160).fill(0x7f) })),
  serializeInbound(dtmfMessage({ sequenceNumber: 6, streamId: 's', digit: '#', timestamp: 1 })),
  '{"event":"playedStream","streamId":"s","name":"cp"}',
  '{"event":"clearedAudio","sequenceNumber":0,"streamId":"s"}',
];

function check(frame: string | Uint8Array): void {
  try {
    const m = parseInbound(frame);
    expect(typeof m.event).toBe('string');
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw new Error(`non-ProtocolError escaped: ${String(e)}`);
  }
}

const mutate = fc
  .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('flip', 'cut', 'insert', 'delete')), { minLength: 1, maxLength: 6 }))
  .map(([seed, ops]) => {
    let s = seed;
    for (const [pos, byte, op] of ops) {
      const i = pos % (s.length + 1);
      const ch = String.fromCharCode(byte);
      if (op === 'flip') s = s.slice(0, i) + ch + s.slice(i + 1);
      else if (op === 'cut') s = s.slice(0, i);
      else if (op === 'insert') s = s.slice(0, i) + ch + s.slice(i);
      else s = s.slice(0, i) + s.slice(i + 2);
    }
    return s;
  });

const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 2 }));
const structured = fc
  .record({
    event: fc.oneof(fc.constantFrom('start', 'media', 'dtmf', 'playedStream', 'played', 'clearedAudio', 'stop'), anyValue),
    sequenceNumber: anyValue,
    streamId: anyValue,
    start: fc.oneof(anyValue, fc.record({ callId: anyValue, streamId: anyValue, tracks: anyValue, mediaFormat: fc.oneof(anyValue, fc.record({ encoding: anyValue, sampleRate: anyValue })) })),
    media: fc.oneof(anyValue, fc.record({ payload: fc.oneof(anyValue, fc.base64String()), chunk: anyValue, timestamp: anyValue, track: anyValue })),
    dtmf: fc.oneof(anyValue, fc.record({ digit: anyValue })),
    name: anyValue,
    extra_headers: anyValue,
  }, { requiredKeys: [] })
  .map((o) => JSON.stringify(o));

describe('fuzz: parseInbound', () => {
  it('40,000 mutated valid frames', () => {
    fc.assert(fc.property(mutate, (s) => check(s)), params(40_000));
  });
  it('40,000 structured objects with wrong types in every field', () => {
    fc.assert(fc.property(structured, (s) => check(s)), params(40_000));
  });
  it('20,000 arbitrary strings, JSON values and byte buffers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json(), fc.uint8Array({ maxLength: 200 })), (s) => check(s)),
      params(20_000),
    );
  });
  it('pathological inputs: deep nesting, huge numbers, long strings', () => {
    check('['.repeat(100_000));
    check(`{"event":"media","sequenceNumber":1e400,"media":{"payload":"AAAA"}}`);
    check(`{"event":"media","sequenceNumber":"${'9'.repeat(50)}","media":{"payload":"AAAA"}}`);
    check(`{"event":"${'x'.repeat(200_000)}"}`);
    check(`{"event":"media","media":{"payload":"${'A'.repeat(250_000)}="}}`);
  });
  it('memory stays bounded over many frames', () => {
    const frames = fc.sample(fc.oneof(mutate, structured), 4000);
    const growth = growthAfter(() => {
      for (const f of frames) check(f);
    }, 10);
    expect(growth).toBeLessThan(2 * 1024 * 1024);
  });
});
