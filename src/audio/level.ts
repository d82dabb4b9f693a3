/** Signal levels for meters, VAD gates and the doctor's signal checks. */
import { MULAW_DECODE_TABLE } from './mulaw.js';

/** Root-mean-square amplitude of PCM16 (0..32768). */
export function rms(pcm: Int16Array): number {
  if (pcm.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) {
    const s = pcm[i] as number;
    sum += s * s;
  }
  return Math.sqrt(sum / pcm.length);
}

/** Largest absolute sample of PCM16. */
export function peak(pcm: Int16Array): number {
  let p = 0;
  for (let i = 0; i < pcm.length; i++) {
    const a = Math.abs(pcm[i] as number);
    if (a > p) p = a;
  }
  return p;
}

/** Level in dB relative to full scale (-Infinity for digital silence). */
export function dbfs(pcm: Int16Array): number {
  const r = rms(pcm);
  return r === 0 ? Number.NEGATIVE_INFINITY : 20 * Math.log10(r / 32768);
}

/**
 * Fraction of signal energy above `cutoffHz`, estimated from the first difference (a
 * cheap high-pass). Speech resampled to a lower rate and declared at it sounds slow and
 * low; audio at twice the declared rate has unusually much energy near Nyquist. The doctor
 * uses this to tell 16 kHz audio declared as 8 kHz from the real thing.
 */
export function highBandRatio(pcm: Int16Array): number {
  if (pcm.length < 2) return 0;
  let diff = 0;
  let total = 0;
  for (let i = 1; i < pcm.length; i++) {
    const a = pcm[i] as number;
    const d = a - (pcm[i - 1] as number);
    diff += d * d;
    total += a * a;
  }
  // For a sine at frequency f and rate r, diff/total = 4 sin^2(pi f / r); normalise to [0, 1].
  return total === 0 ? 0 : Math.min(1, diff / (4 * total));
}

/**
 * Peak above which a 20 ms frame counts as speech rather than silence (about -30 dBFS).
 * The agent's latency ledger and the emulator's caller-side measurements use the same
 * threshold, so "speech ended" and "first audio heard" mean the same instant on both sides.
 */
export const SPEECH_PEAK_THRESHOLD = 1000;

/** Index of the first sample whose magnitude exceeds `threshold`, or -1. */
export function firstAbove(pcm: Int16Array, threshold = SPEECH_PEAK_THRESHOLD): number {
  for (let i = 0; i < pcm.length; i++) if (Math.abs(pcm[i] as number) > threshold) return i;
  return -1;
}

/** {@link firstAbove} on mu-law bytes, without decoding them into a new buffer. */
export function firstAboveMulaw(bytes: Uint8Array, threshold = SPEECH_PEAK_THRESHOLD): number {
  for (let i = 0; i < bytes.length; i++) if (Math.abs(MULAW_DECODE_TABLE[bytes[i] as number] as number) > threshold) return i;
  return -1;
}
