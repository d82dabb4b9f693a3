/**
 * Is the audio really at the rate its header claims? Played at the wrong rate, every
 * frequency and duration scales by the same factor, so nothing inside the signal gives it
 * away, except what we know about voices: adult speech has its pitch (F0) between about 85
 * and 255 Hz, and TTS voices sit in the same range. 16 kHz audio played as 8 kHz halves the
 * pitch (the guide's "distorted audio": slow and an octave low); 8 kHz played as 16 kHz
 * doubles it. Pure.
 *
 * Measured with the embedded flite voices (kal16, awb, rms, slt) and espeak-ng (male and
 * female variants), mu-law round trip included, three sentences each:
 *   at the right rate   median F0  90 - 216 Hz
 *   halved (16k as 8k)  male 45 - 63 Hz, female 82 - 107 Hz
 *   doubled (8k as 16k) male 178 - 262 Hz, female 327 - 381 Hz
 * Rule: median F0 below 75 Hz is "too low" (margins: 12 Hz above the highest halved male
 * voice, 15 Hz below the lowest real one); above 300 Hz is "too high" (27 Hz below the lowest
 * doubled female voice, 84 Hz above the highest real one). A halved female voice sounds
 * like a plausible male one, and a doubled male like a female one: those are not detected,
 * so the check errs towards silence, never towards a false alarm on good audio.
 * Steady tones are not speech (their "pitch" does not move) and are not judged.
 *
 * The second signal, for a doubled male voice (8 kHz audio declared as 16 kHz lands at
 * 174 - 258 Hz, inside the female range): the share of voiced energy below 1 kHz
 * (spectrum.ts), measured with the same voices and three sentences each at 150 and 200 wpm:
 *   at the right rate (16 kHz, or 8 kHz upsampled to 16 kHz)   0.67 - 0.99
 *   doubled: flite kal/kal16 0.35 - 0.50, espeak-ng (all variants) 0.18 - 0.50,
 *            flite awb 0.76 - 0.85, rms 0.86 - 0.91, slt 0.88 - 0.93
 * Rule: a median F0 of at least 150 Hz (no real male voice measured above 129 Hz) together
 * with a low-band share under 0.55 (0.12 below the lowest real voice, 0.05 above the highest
 * detected doubled one) is "too high". Both must hold, so a real female voice (F0 above 150
 * Hz, low-band share 0.70 or more) and a real male voice (F0 under 150 Hz) are never
 * flagged. Doubled flite awb and rms keep most of their energy low and are not detected.
 * The first idea, energy above 4 kHz (the Nyquist of 8 kHz audio), does not
 * separate: doubled audio carries 0.002 - 0.12 of its energy there, real 16 kHz speech
 * 0.000 - 0.035 (and 8 kHz speech upsampled to 16 kHz none). A speaking rate from the
 * energy envelope did not either (6 - 12.5 peaks/s at the right rate, 9 - 15 doubled).
 */

import { lowBandFraction } from './spectrum.js';

/** Median F0 below this: the audio plays slower and lower than it was made (Hz). */
export const PITCH_TOO_LOW_HZ = 75;
/** Median F0 above this: the audio plays faster and higher than it was made (Hz). */
export const PITCH_TOO_HIGH_HZ = 300;
/** The spectral signal judges only voices whose median F0 is at least this (Hz). */
export const SPECTRUM_MIN_PITCH_HZ = 150;
/** With such a pitch, a share of energy below 1 kHz under this means the audio plays at twice its rate. */
export const LOW_BAND_TOO_HIGH = 0.55;
/** Voiced 20 ms frames needed before judging (0.5 s of voiced speech). */
export const MIN_VOICED_FRAMES = 25;

const MIN_F0 = 35;
const MAX_F0 = 400;
const ANALYSIS_RATE = 8000;
const WINDOW = 480; // 60 ms at 8 kHz: two periods of the lowest F0 searched
const HOP = 160; // 20 ms
const MAX_FRAMES = 750; // bound the work: at most 15 s of voiced audio is analysed
const LOUD_RMS = 500;
const VOICED_CORRELATION = 0.6;
// Prefer the shortest period whose correlation is close to the best: avoids octave-down errors.
const OCTAVE_TOLERANCE = 0.85;
// Speech pitch moves (intonation); a tone's does not.
const MIN_PITCH_SPREAD = 1.05;

/** Pitch statistics of some audio. */
export interface PitchEstimate {
  readonly voicedFrames: number;
  readonly medianHz: number | undefined;
  readonly p10Hz: number | undefined;
  readonly p90Hz: number | undefined;
}

/** What the pitch says about the declared rate. */
export type RateVerdict =
  | { readonly kind: 'plausible'; readonly pitch: PitchEstimate; readonly lowBand?: number }
  | { readonly kind: 'too-low'; readonly pitch: PitchEstimate }
  | { readonly kind: 'too-high'; readonly pitch: PitchEstimate; readonly lowBand?: number; readonly by: 'pitch' | 'spectrum' }
  | { readonly kind: 'not-judged'; readonly reason: 'too-little-speech' | 'steady-tone'; readonly pitch: PitchEstimate };

function toAnalysisRate(pcm: Int16Array, sampleRate: number): Float64Array {
  if (sampleRate === ANALYSIS_RATE) return Float64Array.from(pcm);
  // 16 kHz -> 8 kHz by averaging pairs: a crude low-pass that is plenty for pitch.
  const factor = Math.max(1, Math.round(sampleRate / ANALYSIS_RATE));
  const out = new Float64Array(Math.floor(pcm.length / factor));
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = 0; k < factor; k++) s += pcm[i * factor + k] as number;
    out[i] = s / factor;
  }
  return out;
}

function framePitch(x: Float64Array, off: number, minLag: number, maxLag: number, corr: Float64Array): number | undefined {
  let best = 0;
  for (let lag = minLag; lag <= maxLag; lag++) {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = 0; i < WINDOW; i++) {
      const a = x[off + i] as number;
      const b = x[off + i + lag] as number;
      xy += a * b;
      xx += a * a;
      yy += b * b;
    }
    const c = xy / Math.sqrt(xx * yy + 1);
    corr[lag - minLag] = c;
    if (c > best) best = c;
  }
  if (best < VOICED_CORRELATION) return undefined;
  for (let j = 1; j < maxLag - minLag; j++) {
    const c = corr[j] as number;
    if (c >= OCTAVE_TOLERANCE * best && c >= (corr[j - 1] as number) && c >= (corr[j + 1] as number)) return ANALYSIS_RATE / (j + minLag);
  }
  return undefined;
}

/** Estimate the pitch of the loud, voiced parts of mono PCM16. */
export function estimatePitch(pcm: Int16Array, sampleRate: number): PitchEstimate {
  const x = toAnalysisRate(pcm, sampleRate);
  const minLag = Math.floor(ANALYSIS_RATE / MAX_F0);
  const maxLag = Math.ceil(ANALYSIS_RATE / MIN_F0);
  const corr = new Float64Array(maxLag - minLag + 1);
  const f0s: number[] = [];
  for (let off = 0; off + WINDOW + maxLag <= x.length && f0s.length < MAX_FRAMES; off += HOP) {
    let e = 0;
    for (let i = 0; i < WINDOW; i++) e += (x[off + i] as number) ** 2;
    if (Math.sqrt(e / WINDOW) < LOUD_RMS) continue;
    const f0 = framePitch(x, off, minLag, maxLag, corr);
    if (f0 !== undefined) f0s.push(f0);
  }
  f0s.sort((a, b) => a - b);
  const at = (q: number): number | undefined => (f0s.length === 0 ? undefined : Math.round(f0s[Math.min(f0s.length - 1, Math.floor(f0s.length * q))] as number));
  return { voicedFrames: f0s.length, medianHz: at(0.5), p10Hz: at(0.1), p90Hz: at(0.9) };
}

/** Judge whether speech in `pcm` plays at the rate it was made for. */
export function judgeRate(pcm: Int16Array, sampleRate: number): RateVerdict {
  const pitch = estimatePitch(pcm, sampleRate);
  const { medianHz, p10Hz, p90Hz } = pitch;
  if (pitch.voicedFrames < MIN_VOICED_FRAMES || medianHz === undefined || p10Hz === undefined || p90Hz === undefined) {
    return { kind: 'not-judged', reason: 'too-little-speech', pitch };
  }
  if (p90Hz / p10Hz < MIN_PITCH_SPREAD) return { kind: 'not-judged', reason: 'steady-tone', pitch };
  if (medianHz < PITCH_TOO_LOW_HZ) return { kind: 'too-low', pitch };
  if (medianHz > PITCH_TOO_HIGH_HZ) return { kind: 'too-high', pitch, by: 'pitch' };
  if (medianHz < SPECTRUM_MIN_PITCH_HZ) return { kind: 'plausible', pitch };
  const lowBand = lowBandFraction(pcm, sampleRate);
  if (lowBand !== undefined && lowBand < LOW_BAND_TOO_HIGH) return { kind: 'too-high', pitch, lowBand, by: 'spectrum' };
  return { kind: 'plausible', pitch, ...(lowBand === undefined ? {} : { lowBand }) };
}
