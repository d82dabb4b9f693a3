import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_RATES, concatPcm, createResampler, tone } from '../../src/audio/index.js';

function chunked(input: Int16Array, sizes: number[], from: number, to: number): Int16Array {
  const r = createResampler(from, to);
  const out: Int16Array[] = [];
  let i = 0;
  let k = 0;
  while (i < input.length) {
    const n = Math.max(1, sizes[k++ % sizes.length] as number);
    out.push(r.process(input.subarray(i, i + n)));
    i += n;
  }
  r.destroy();
  return concatPcm(out);
}

/** SNR (dB) of `signal` against the best-fitting sine of frequency f, skipping edges. */
function sineSnr(signal: Int16Array, f: number, rate: number, skip: number): number {
  const s = signal.subarray(skip, signal.length - skip);
  let sc = 0;
  let cc = 0;
  let ss = 0;
  let scs = 0;
  let sss = 0;
  for (let i = 0; i < s.length; i++) {
    const t = i + skip;
    const c = Math.cos((2 * Math.PI * f * t) / rate);
    const n = Math.sin((2 * Math.PI * f * t) / rate);
    sc += (s[i] as number) * c;
    ss += (s[i] as number) * n;
    cc += c * c;
    sss += n * n;
    scs += c * n;
  }
  const det = cc * sss - scs * scs;
  const a = (sc * sss - ss * scs) / det;
  const b = (ss * cc - sc * scs) / det;
  let sig = 0;
  let err = 0;
  for (let i = 0; i < s.length; i++) {
    const t = i + skip;
    const fit = a * Math.cos((2 * Math.PI * f * t) / rate) + b * Math.sin((2 * Math.PI * f * t) / rate);
    sig += fit * fit;
    err += ((s[i] as number) - fit) ** 2;
  }
  return 10 * Math.log10(sig / err);
}

describe('streaming resampler', () => {
  const pairs: [number, number][] = [];
  for (const a of SUPPORTED_RATES) for (const b of SUPPORTED_RATES) if (a !== b) pairs.push([a, b]);

  it('output length tracks input * ratio across arbitrary frame boundaries, for every rate pair (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...pairs), fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 8 }), ([from, to], sizes) => {
        const input = tone(440, 500, from);
        const out = chunked(input, sizes, from, to);
        const expected = (input.length * to) / from;
        expect(Math.abs(out.length - expected)).toBeLessThanOrEqual(2);
      }),
      { numRuns: 120 },
    );
  });

  it('20 ms frames give exactly the 20 ms frame size out for the telephony rates', () => {
    for (const [from, to] of [[8000, 16000], [16000, 8000], [24000, 8000], [44100, 8000], [48000, 16000], [22050, 8000]] as const) {
      const r = createResampler(from, to);
      for (let i = 0; i < 20; i++) expect(r.process(new Int16Array(from / 50)).length).toBe(to / 50);
      r.destroy();
    }
  });

  it('chunked output equals one-shot output: no discontinuity at frame edges', () => {
    for (const [from, to] of [[8000, 16000], [24000, 8000], [44100, 16000]] as const) {
      const input = tone([300, 1100], 1000, from, { amplitude: 0.8 });
      const whole = chunked(input, [input.length], from, to);
      const frames = chunked(input, [from / 50], from, to);
      const odd = chunked(input, [7, 333, 91], from, to);
      expect(frames.length).toBe(whole.length);
      let maxDiff = 0;
      for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs((whole[i] as number) - (frames[i] as number)), Math.abs((whole[i] as number) - (odd[i] as number)));
      expect(maxDiff).toBeLessThanOrEqual(1);
    }
  });

  it('keeps a clean sine (SNR > 60 dB) through 8k -> 16k -> 8k in 20 ms frames', () => {
    const input = tone(440, 2000, 8000, { amplitude: 0.5, fadeMs: 0 });
    const up = chunked(input, [160], 8000, 16000);
    expect(sineSnr(up, 440, 16000, 400)).toBeGreaterThan(60);
    const down = chunked(up, [320], 16000, 8000);
    expect(sineSnr(down, 440, 8000, 400)).toBeGreaterThan(60);
  });

  it('is a pass-through for equal rates and rejects absurd rates', () => {
    const r = createResampler(8000, 8000);
    const x = Int16Array.from([1, 2, 3]);
    expect(Array.from(r.process(x))).toEqual([1, 2, 3]);
    expect(() => createResampler(0, 8000)).toThrowError(expect.objectContaining({ code: 'AUDIO_UNSUPPORTED_RATE' }));
    const d = createResampler(8000, 16000);
    d.destroy();
    expect(() => d.process(x)).toThrowError(expect.objectContaining({ code: 'AUDIO_DESTROYED' }));
  });

  it('flush() returns the filter tail', () => {
    const r = createResampler(8000, 16000);
    r.process(tone(440, 100, 8000));
    expect(r.flush().length).toBeGreaterThan(0);
    r.destroy();
  });
});
