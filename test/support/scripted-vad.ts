// A frame-level VAD whose verdict is a pure function of the frame: voiced when any sample
// is non-zero. Hysteresis tests use it to place speech exactly, frame by frame, with
// signals built from silence and tones; the real WebRTC VAD is tested separately.
import type { Vad } from '../../src/providers/types.js';

/** A VAD that calls a frame voiced iff it has a non-zero sample; counts frames seen. */
export function nonZeroVad(sampleRate: number, frameMs = 20): Vad & { frames: number; resets: number; destroyed: boolean } {
  const frameSamples = (sampleRate * frameMs) / 1000;
  return {
    sampleRate,
    frameSamples,
    frames: 0,
    resets: 0,
    destroyed: false,
    process(frame: Int16Array): number {
      if (frame.length !== frameSamples) throw new Error(`frame of ${frame.length} samples`);
      this.frames++;
      return frame.some((s) => s !== 0) ? 1 : 0;
    },
    reset() {
      this.resets++;
    },
    destroy() {
      this.destroyed = true;
    },
  };
}
