// The browser phone's own audio code (the browser cannot import the Node codecs) checked
// against the server's: mu-law bit-exact over every input, L16 byte order, base64, and a
// resampler that keeps speech-band tones and removes what would alias.
import { describe, expect, it } from 'vitest';
import { MULAW_DECODE_TABLE, mulawEncodeSample } from '../../src/audio/mulaw.js';
import { floatToPcm, pcmToL16 } from '../../src/audio/pcm.js';

interface Dsp {
  mulawEncodeSample(s: number): number;
  mulawDecodeSample(b: number): number;
  encodeWire(samples: Float32Array, encoding: string): Uint8Array;
  decodeWire(bytes: Uint8Array, encoding: string): Float32Array;
  toBase64(bytes: Uint8Array): string;
  fromBase64(text: string): Uint8Array;
  Resampler: new (inRate: number, outRate: number) => { process(x: Float32Array): Float32Array; reset(): void; readonly delay: number };
}

// A plain browser module: imported by path so TypeScript does not need declarations for it.
const modulePath = new URL('../../src/dashboard/static/phone-dsp.js', import.meta.url).href;
const dsp = (await import(modulePath)) as Dsp;

function sine(freq: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return out;
}

function rms(x: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s / (to - from));
}

/** Resample in uneven chunks, as the capture worklet's blocks arrive. */
function resampleChunked(input: Float32Array, inRate: number, outRate: number): Float32Array {
  const r = new dsp.Resampler(inRate, outRate);
  const parts: Float32Array[] = [];
  const sizes = [128, 960, 37, 2048, 441];
  for (let at = 0, k = 0; at < input.length; k++) {
    const n = sizes[k % sizes.length] as number;
    parts.push(r.process(input.subarray(at, at + n)));
    at += n;
  }
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('browser phone audio', () => {
  it('encodes mu-law exactly as the server does, for every PCM16 value', () => {
    for (let s = -32768; s <= 32767; s++) {
      if (dsp.mulawEncodeSample(s) !== mulawEncodeSample(s)) throw new Error(`mu-law differs at ${s}`);
    }
    for (let b = 0; b < 256; b++) expect(dsp.mulawDecodeSample(b)).toBe(MULAW_DECODE_TABLE[b]);
  });

  it('encodes L16 little-endian and decodes both encodings back', () => {
    const x = new Float32Array([0, 0.5, -0.5, 1, -1, 0.25, 1.5, -1.5, 0.123456]);
    const l16 = dsp.encodeWire(x, 'audio/x-l16');
    expect([...l16]).toEqual([...pcmToL16(floatToPcm(x))]);
    expect([...l16.subarray(2, 4)]).toEqual([0x00, 0x40]); // 16384 little-endian
    const back = dsp.decodeWire(l16, 'audio/x-l16');
    // Out-of-range input clips.
    for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(Math.max(-1, Math.min(1, x[i] as number)), 3);
    const mu = dsp.decodeWire(dsp.encodeWire(x, 'audio/x-mulaw'), 'audio/x-mulaw');
    for (let i = 0; i < x.length; i++) expect(mu[i]).toBeCloseTo(Math.max(-1, Math.min(1, x[i] as number)), 1);
    expect(() => dsp.decodeWire(new Uint8Array(3), 'audio/x-l16')).toThrow(/odd length/);
  });

  it('base64 matches Node for any bytes', () => {
    for (const n of [0, 1, 2, 3, 160, 640, 70_000]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 131 + 7) & 0xff);
      const text = dsp.toBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect([...dsp.fromBase64(text)]).toEqual([...bytes]);
    }
  });

  for (const [inRate, outRate] of [
    [48000, 8000],
    [44100, 8000],
    [48000, 16000],
    [44100, 16000],
  ] as const) {
    it(`resamples ${inRate} -> ${outRate} Hz: speech-band tones keep their level, tones above Nyquist are removed`, () => {
      const seconds = 1;
      const kept = resampleChunked(sine(1000, inRate, seconds), inRate, outRate);
      // As many output samples as the duration calls for, less the filter's delay.
      expect(Math.abs(kept.length - outRate * seconds)).toBeLessThanOrEqual(new dsp.Resampler(inRate, outRate).delay + 2);
      const a = rms(kept, outRate / 10, kept.length - outRate / 10);
      expect(20 * Math.log10(a / (0.5 / Math.SQRT2))).toBeGreaterThan(-0.5);
      expect(20 * Math.log10(a / (0.5 / Math.SQRT2))).toBeLessThan(0.5);
      // The tone is where it should be: zero crossings of 1 kHz over 0.5 s.
      let crossings = 0;
      for (let i = outRate / 10 + 1; i < outRate / 10 + outRate / 2; i++) if (Math.sign(kept[i] as number) !== Math.sign(kept[i - 1] as number)) crossings++;
      expect(Math.abs(crossings - 1000)).toBeLessThanOrEqual(2);
      // 0.6 x the output rate folds back into the band without the low-pass; it must be gone.
      const alias = resampleChunked(sine(outRate * 0.6, inRate, seconds), inRate, outRate);
      const leak = rms(alias, outRate / 10, alias.length - outRate / 10) / (0.5 / Math.SQRT2);
      expect(20 * Math.log10(leak)).toBeLessThan(-50);
    });
  }
});
