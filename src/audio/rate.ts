/**
 * The sample rates the audio core takes, in a module of its own: the signal generators
 * check rates too, and need not load the resampler's WebAssembly to do it.
 */
import { AudioError } from '../errors.js';

/** The rates the audio core takes: whole numbers of Hz from `min` to `max`. */
export const RATE_RANGE = { min: 1000, max: 384_000 } as const;

/** True for a rate the audio core takes (see {@link RATE_RANGE}). */
export function isSampleRate(rate: unknown): rate is number {
  return Number.isInteger(rate) && (rate as number) >= RATE_RANGE.min && (rate as number) <= RATE_RANGE.max;
}

/**
 * Refuse a rate outside {@link RATE_RANGE}.
 * @throws {AudioError} `AUDIO_UNSUPPORTED_RATE`
 */
export function checkSampleRate(rate: unknown): void {
  if (!isSampleRate(rate)) throw new AudioError('AUDIO_UNSUPPORTED_RATE', `sample rate ${String(rate)} is not supported (${RATE_RANGE.min}-${RATE_RANGE.max} Hz)`);
}
