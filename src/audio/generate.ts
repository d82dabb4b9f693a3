/** Test and diagnostic signals: silence, tones and DTMF. */
import { AudioError } from '../errors.js';
import { checkSampleRate } from './rate.js';

/**
 * Longest signal the generators make, ms: one hour. Longer is a units mistake (seconds for
 * ms, or samples), and at high rates would try to allocate gigabytes.
 */
const MAX_SIGNAL_MS = 3_600_000;

/** Samples in `ms` at `sampleRate`, after checking both. */
function sampleCount(ms: number, sampleRate: number): number {
  if (!(Number.isFinite(ms) && ms >= 0 && ms <= MAX_SIGNAL_MS)) {
    throw new AudioError('AUDIO_INVALID_FORMAT', `duration must be 0 to ${MAX_SIGNAL_MS} ms (one hour), got ${String(ms)}`);
  }
  checkSampleRate(sampleRate);
  return Math.round((ms * sampleRate) / 1000);
}

/**
 * `ms` of PCM16 silence at `sampleRate`.
 * @throws {AudioError} `AUDIO_INVALID_FORMAT` unless `ms` is 0 to 3 600 000 (one hour);
 * `AUDIO_UNSUPPORTED_RATE` unless `sampleRate` is a whole number from 1000 to 384000
 */
export function silence(ms: number, sampleRate: number): Int16Array {
  return new Int16Array(sampleCount(ms, sampleRate));
}

/** Options of {@link tone}. */
export interface ToneOptions {
  /** Peak amplitude 0..1; default 0.5. */
  amplitude?: number;
  /** Fade in/out in ms to avoid clicks; default 5. */
  fadeMs?: number;
  /** Start phase in samples (to continue a tone across calls). */
  phaseSamples?: number;
}

/**
 * A sine tone (or the sum of several frequencies) as PCM16.
 * @throws {AudioError} as {@link silence} for `ms` and `sampleRate`
 */
export function tone(frequencyHz: number | readonly number[], ms: number, sampleRate: number, options: ToneOptions = {}): Int16Array {
  const n = sampleCount(ms, sampleRate);
  const freqs = typeof frequencyHz === 'number' ? [frequencyHz] : frequencyHz;
  const amp = (options.amplitude ?? 0.5) * 32767;
  const fade = Math.min(Math.floor(n / 2), Math.round(((options.fadeMs ?? 5) * sampleRate) / 1000));
  const phase = options.phaseSamples ?? 0;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of freqs) v += Math.sin((2 * Math.PI * f * (i + phase)) / sampleRate);
    v /= freqs.length;
    let g = 1;
    if (fade > 0) {
      if (i < fade) g = i / fade;
      else if (i >= n - fade) g = (n - 1 - i) / fade;
    }
    out[i] = Math.round(v * amp * g);
  }
  return out;
}

const DTMF_LOW: Record<string, number> = { '1': 697, '2': 697, '3': 697, A: 697, '4': 770, '5': 770, '6': 770, B: 770, '7': 852, '8': 852, '9': 852, C: 852, '*': 941, '0': 941, '#': 941, D: 941 };
const DTMF_HIGH: Record<string, number> = { '1': 1209, '4': 1209, '7': 1209, '*': 1209, '2': 1336, '5': 1336, '8': 1336, '0': 1336, '3': 1477, '6': 1477, '9': 1477, '#': 1477, A: 1633, B: 1633, C: 1633, D: 1633 };

/**
 * The dual tone for one DTMF digit.
 * @throws {AudioError} `AUDIO_INVALID_FORMAT` for another digit; as {@link silence} for `ms` and `sampleRate`
 */
export function dtmfTone(digit: string, ms: number, sampleRate: number, amplitude = 0.5): Int16Array {
  // hasOwn: `constructor` or `__proto__` must be refused, not read from the prototype.
  const lo = Object.hasOwn(DTMF_LOW, digit) ? DTMF_LOW[digit] : undefined;
  const hi = Object.hasOwn(DTMF_HIGH, digit) ? DTMF_HIGH[digit] : undefined;
  if (lo === undefined || hi === undefined) throw new AudioError('AUDIO_INVALID_FORMAT', 'DTMF digit must be 0-9, A-D, * or #');
  return tone([lo, hi], ms, sampleRate, { amplitude });
}
