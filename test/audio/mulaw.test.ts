import alawmulaw from 'alawmulaw';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMulaw, decodeMulawInto, encodeMulaw, encodeMulawInto, l16ToPcm, mulawDecodeSample, mulawEncodeSample, pcmToL16 } from '../../src/audio/index.js';

const { mulaw } = alawmulaw;

describe('G.711 mu-law', () => {
  it('decodes all 256 bytes bit-exactly like alawmulaw', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    // Compared as Int16 (alawmulaw's scalar decode returns -0 for 0x7f, which is 0 as a sample).
    expect(Array.from(decodeMulaw(bytes))).toEqual(Array.from(mulaw.decode(bytes) as Int16Array));
    for (let b = 0; b < 256; b++) expect(mulawDecodeSample(b)).toBe(mulaw.decodeSample(b) | 0);
  });

  it('encodes all 65,536 samples bit-exactly like alawmulaw', () => {
    const all = new Int16Array(65536);
    for (let i = 0; i < 65536; i++) all[i] = i - 32768;
    const ours = encodeMulaw(all);
    const theirs = mulaw.encode(all);
    let differ = 0;
    for (let i = 0; i < 65536; i++) if (ours[i] !== theirs[i]) differ++;
    expect(differ).toBe(0);
    expect(mulawEncodeSample(0)).toBe(0xff);
  });

  it('decode is a right inverse of encode on the mu-law grid (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (bytes) => {
        const pcm = decodeMulaw(bytes);
        const again = decodeMulaw(encodeMulaw(pcm));
        expect(Array.from(again)).toEqual(Array.from(pcm));
      }),
    );
  });

  it('round trip error stays within the G.711 quantisation step (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32767 }), (s) => {
        const back = mulawDecodeSample(mulawEncodeSample(s));
        const clipped = Math.max(-32635, Math.min(32635, s));
        // step size grows with the segment: at most 1/16 of the magnitude plus the bias, and never above 1024
        expect(Math.abs(back - clipped)).toBeLessThanOrEqual(Math.min(1024, Math.abs(clipped) / 16 + 132));
      }),
      { numRuns: 5000 },
    );
  });

  it('Into variants write into the caller buffer and refuse one that is too small', () => {
    const out = new Uint8Array(10);
    const view = encodeMulawInto(new Int16Array([0, 1000, -1000]), out);
    expect(view.length).toBe(3);
    expect(view.buffer).toBe(out.buffer);
    expect(() => decodeMulawInto(new Uint8Array(5), new Int16Array(4))).toThrowError(/need 5/);
  });
});

describe('L16 little-endian', () => {
  it('round trips and is little-endian on the wire (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 500 }), (arr) => {
        const pcm = Int16Array.from(arr);
        const bytes = pcmToL16(pcm);
        for (let i = 0; i < pcm.length; i++) {
          expect(bytes[2 * i]).toBe((pcm[i] as number) & 0xff);
          expect(bytes[2 * i + 1]).toBe(((pcm[i] as number) >> 8) & 0xff);
        }
        expect(Array.from(l16ToPcm(bytes))).toEqual(arr);
      }),
    );
  });

  it('rejects odd byte counts with AUDIO_ODD_LENGTH, including from unaligned views', () => {
    expect(() => l16ToPcm(new Uint8Array(3))).toThrowError(expect.objectContaining({ code: 'AUDIO_ODD_LENGTH' }));
    const unaligned = new Uint8Array(9).subarray(1);
    unaligned.set([1, 0, 0xff, 0xff]);
    expect(Array.from(l16ToPcm(unaligned).subarray(0, 2))).toEqual([1, -1]);
  });
});
