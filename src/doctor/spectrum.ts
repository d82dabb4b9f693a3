/**
 * The rate check's second signal: where the voice's energy sits in frequency. Played at
 * twice its rate, every frequency doubles, the formants too: the first formant (300 to 900
 * Hz in real speech, where most of a voice's energy is) moves to 600 to 1800 Hz, so the
 * share of energy below 1 kHz falls. Pitch and formants are set independently by a speaker
 * (a female voice has a higher pitch but formants only 15 to 20 % higher), which is why this
 * signal can tell a doubled male voice from a real female one when the pitch alone cannot.
 * Figures: pitch.ts. Pure.
 */

/** Split between the low band (the first formant) and the rest (Hz). */
export const LOW_BAND_HZ = 1000;

const TAPS = 101;
const FRAME_MS = 20;
const LOUD_RMS = 500;
// Bound the work: at most 15 s of loud audio is analysed.
const MAX_FRAMES = 750;

const cache = new Map<number, Float64Array>();

/** A windowed-sinc (Blackman) low-pass at {@link LOW_BAND_HZ} for `sampleRate`, unity gain at DC. */
function lowPass(sampleRate: number): Float64Array {
  const hit = cache.get(sampleRate);
  if (hit !== undefined) return hit;
  const cut = LOW_BAND_HZ / sampleRate;
  const m = (TAPS - 1) / 2;
  const h = new Float64Array(TAPS);
  let sum = 0;
  for (let i = 0; i < TAPS; i++) {
    const k = i - m;
    const sinc = k === 0 ? 2 * cut : Math.sin(2 * Math.PI * cut * k) / (Math.PI * k);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (TAPS - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (TAPS - 1));
    h[i] = sinc * w;
    sum += h[i] as number;
  }
  for (let i = 0; i < TAPS; i++) h[i] = (h[i] as number) / sum;
  cache.set(sampleRate, h);
  return h;
}

/**
 * The share of energy below {@link LOW_BAND_HZ} in the loud 20 ms frames of mono PCM16, in
 * [0, 1]; undefined when no frame is loud.
 */
export function lowBandFraction(pcm: Int16Array, sampleRate: number): number | undefined {
  const h = lowPass(sampleRate);
  const frame = Math.round((sampleRate * FRAME_MS) / 1000);
  const m = (TAPS - 1) / 2;
  let low = 0;
  let total = 0;
  let frames = 0;
  for (let off = 0; off + frame <= pcm.length && frames < MAX_FRAMES; off += frame) {
    let e = 0;
    for (let i = off; i < off + frame; i++) e += (pcm[i] as number) ** 2;
    if (Math.sqrt(e / frame) < LOUD_RMS) continue;
    frames++;
    for (let i = off; i < off + frame; i++) {
      let y = 0;
      const from = Math.max(0, m - i);
      const to = Math.min(TAPS, pcm.length - i + m);
      for (let k = from; k < to; k++) y += (h[k] as number) * (pcm[i - m + k] as number);
      low += y * y;
    }
    total += e;
  }
  return total === 0 ? undefined : Math.min(1, low / total);
}
