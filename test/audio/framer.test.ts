import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Framer, concatBytes, splitFrames } from '../../src/audio/index.js';

describe('Framer', () => {
  it('frames are full-size, in order, and lose nothing across arbitrary pushes (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(160, 320, 640), fc.array(fc.uint8Array({ maxLength: 1500 }), { maxLength: 12 }), (size, pushes) => {
        const f = new Framer(size);
        const frames: Uint8Array[] = [];
        for (const p of pushes) frames.push(...f.push(p));
        for (const fr of frames) expect(fr.length).toBe(size);
        const all = concatBytes(pushes);
        const got = concatBytes(frames);
        expect(f.remainder).toBe(all.length - got.length);
        expect(Buffer.from(got).equals(Buffer.from(all.subarray(0, got.length)))).toBe(true);
        const last = f.flush(0xff);
        if (all.length % size !== 0) {
          expect(last?.length).toBe(size);
          expect(Buffer.from(last as Uint8Array).subarray(0, all.length % size).equals(Buffer.from(all.subarray(got.length)))).toBe(true);
          expect((last as Uint8Array)[size - 1]).toBe(0xff);
        } else expect(last).toBeUndefined();
      }),
    );
  });

  it('frames are copies: reusing the input buffer does not change them', () => {
    const f = new Framer(4);
    const buf = new Uint8Array([1, 2, 3, 4, 5]);
    const [frame] = f.push(buf);
    buf.fill(9);
    expect(Array.from(frame as Uint8Array)).toEqual([1, 2, 3, 4]);
  });

  it('splitFrames pads the last frame', () => {
    expect(splitFrames(new Uint8Array(330), 160, 0xff).map((x) => x.length)).toEqual([160, 160, 160]);
    for (const size of [0, -160, 160.5, Number.NaN, 1024 * 1024 + 1, 1e12]) {
      // 1e12 was a RangeError from the up-front frame buffer.
      expect(() => new Framer(size)).toThrowError(expect.objectContaining({ code: 'AUDIO_INVALID_FORMAT' }));
      expect(() => splitFrames(new Uint8Array(4), size, 0)).toThrowError(expect.objectContaining({ code: 'AUDIO_INVALID_FORMAT' }));
    }
    expect(new Framer(1024 * 1024).frameBytes).toBe(1024 * 1024);
  });
});
