// The WAV reader with hostile files: random bytes, headers with random fields (format tag,
// channels, rate, bits, chunk sizes up to 0xFFFFFFFF, odd chunks, no data chunk), truncated
// and mutated real WAVs. Properties: only AudioError escapes; what parses describes data
// inside the input; decoding yields at most one sample per input byte (no amplification).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, isWav, parseWav, stripWavHeader } from '../../src/audio/index.js';
import { growthAfter, onlyCallwireErrors, params } from './support.js';

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
function u16(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff];
}
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const chunk = fc.oneof(
  // fmt with random fields (and WAVE_FORMAT_EXTENSIBLE's sub-format)
  fc
    .record({
      size: fc.oneof(fc.constantFrom(16, 18, 40, 14, 0), fc.nat(64)),
      tag: fc.oneof(fc.constantFrom(1, 3, 6, 7, 0xfffe, 0, 2), fc.nat(0xffff)),
      channels: fc.oneof(fc.constantFrom(0, 1, 2, 6, 0xffff), fc.nat(0xffff)),
      rate: fc.oneof(fc.constantFrom(0, 1, 8000, 16000, 44100, 0xffffffff), fc.nat()),
      bits: fc.oneof(fc.constantFrom(0, 1, 7, 8, 12, 16, 24, 32, 64, 0xffff), fc.nat(0xffff)),
      sub: fc.constantFrom(1, 3, 6, 7, 9),
    })
    .map((f) => {
      const body = [...u16(f.tag), ...u16(f.channels), ...u32(f.rate), ...u32(0), ...u16(0), ...u16(f.bits), ...u16(22), ...u16(f.bits), ...u32(0), ...u16(f.sub), ...new Array(14).fill(0)];
      return [...ascii('fmt '), ...u32(f.size), ...body.slice(0, Math.max(0, Math.min(body.length, f.size)))];
    }),
  // data with a size that may lie (0, larger than the file, 0xFFFFFFFF for streamed WAVs)
  fc.tuple(fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff), fc.nat(4096)), fc.uint8Array({ maxLength: 600 })).map(([size, bytes]) => [...ascii('data'), ...u32(size), ...bytes]),
  // any other chunk, odd sizes (padded) included
  fc.tuple(fc.constantFrom('LIST', 'fact', 'JUNK', 'bext', '\0\0\0\0'), fc.oneof(fc.nat(40), fc.constantFrom(0xffffffff)), fc.uint8Array({ maxLength: 41 })).map(([id, size, bytes]) => [...ascii(id), ...u32(size), ...bytes]),
);
const wavLike = fc.tuple(fc.oneof(fc.nat(), fc.constantFrom(0, 0xffffffff)), fc.array(chunk, { maxLength: 5 })).map(([riffSize, chunks]) => new Uint8Array([...ascii('RIFF'), ...u32(riffSize), ...ascii('WAVE'), ...chunks.flat()]));

const real = encodeWav(new Int16Array(400).map((_, i) => Math.round(8000 * Math.sin(i / 5))), 8000);
const mutatedReal = fc.array(fc.tuple(fc.nat(real.length - 1), fc.nat(255), fc.constantFrom('set', 'cut')), { minLength: 1, maxLength: 6 }).map((ops) => {
  let b = real.slice();
  for (const [i, v, op] of ops) {
    if (op === 'set') b[i % b.length] = v;
    else b = b.slice(0, i % (b.length + 1));
  }
  return b;
});

const input = fc.oneof(wavLike, mutatedReal, fc.uint8Array({ maxLength: 200 }));

function check(bytes: Uint8Array): void {
  const info = onlyCallwireErrors(() => parseWav(bytes), ['audio']);
  if (info !== undefined) {
    expect(isWav(bytes)).toBe(true);
    // The data is a view inside the input, after the header.
    expect(info.data.buffer).toBe(bytes.buffer);
    expect(info.headerBytes).toBeLessThanOrEqual(bytes.length);
    expect(info.data.byteOffset - bytes.byteOffset).toBe(info.headerBytes);
    expect(info.data.length).toBeLessThanOrEqual(bytes.length - info.headerBytes);
  }
  const stripped = onlyCallwireErrors(() => stripWavHeader(bytes), ['audio']);
  if (stripped !== undefined) expect(stripped.length).toBeLessThanOrEqual(bytes.length);
  const decoded = onlyCallwireErrors(() => decodeWav(bytes), ['audio']);
  if (decoded !== undefined) {
    expect(decoded.samples.length).toBeLessThanOrEqual(bytes.length);
    expect(decoded.sampleRate).toBeGreaterThan(0);
  }
}

describe('fuzz: WAV reader', () => {
  it('headers with random fields and lying sizes, mutated WAVs, random bytes: only AudioError', () => {
    fc.assert(fc.property(input, check), params(20_000));
  });

  it('memory stays bounded over many files', () => {
    const files = fc.sample(input, 3000);
    const growth = growthAfter(() => {
      for (const f of files) check(f);
    }, 10);
    expect(growth).toBeLessThan(2 * 1024 * 1024);
  });
});
