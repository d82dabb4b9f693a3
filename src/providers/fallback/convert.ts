/**
 * Converts one provider's audio to the format the chain promised, when a fallback speaks a
 * different one (mu-law <-> PCM16, and the sample rate with a streaming resampler).
 */
import { createResampler } from '../../audio/resampler.js';
import { pcmToSpec, sameSpec, specToPcm } from '../audio-spec.js';
import type { AudioSpec } from '../types.js';

/** A chunk converter and its cleanup. */
export interface AudioConverter {
  convert(bytes: Uint8Array): Uint8Array;
  /** Samples still held in the resampler, converted; then frees it. */
  end(): Uint8Array;
}

/** A converter from `from` to `to` (a pass-through when they are the same). */
export function audioConverter(from: AudioSpec, to: AudioSpec): AudioConverter {
  if (sameSpec(from, to)) return { convert: (b) => b, end: () => new Uint8Array(0) };
  const resampler = createResampler(from.sampleRate, to.sampleRate);
  let odd: Uint8Array | undefined;
  return {
    convert(bytes) {
      let b = bytes;
      // PCM16 chunks may split a sample: carry the odd byte to the next chunk.
      if (from.encoding === 'pcm16') {
        if (odd !== undefined) {
          const joined = new Uint8Array(odd.length + b.length);
          joined.set(odd);
          joined.set(b, odd.length);
          b = joined;
          odd = undefined;
        }
        if (b.length % 2 === 1) {
          odd = b.slice(b.length - 1);
          b = b.subarray(0, b.length - 1);
        }
      }
      return pcmToSpec(to, resampler.process(specToPcm(from, b)));
    },
    end() {
      const tail = pcmToSpec(to, resampler.flush());
      resampler.destroy();
      return tail;
    },
  };
}
