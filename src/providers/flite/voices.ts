/**
 * The voices built into the flite WASI binary (docs/ecosystem.md §6) and their native rates.
 * `kal16` is the default: it is the fastest 16 kHz voice and pocketsphinx recognises it
 * exactly, which makes it the speech source of the end-to-end tests.
 */
import { ConfigError } from '../../errors.js';

/** A flite voice name. */
export type FliteVoice = 'kal' | 'kal16' | 'slt' | 'awb' | 'rms';

/** Native output rate of each voice (Hz). */
export const FLITE_VOICES: Readonly<Record<FliteVoice, number>> = Object.freeze({
  kal: 8000,
  kal16: 16000,
  slt: 16000,
  awb: 16000,
  rms: 16000,
});

/** The default voice. */
export const DEFAULT_FLITE_VOICE: FliteVoice = 'kal16';

/**
 * Check a voice name from options or the command line.
 * @throws ConfigError CONFIG_INVALID naming the voices that exist
 */
export function fliteVoice(name: string | undefined): FliteVoice {
  if (name === undefined) return DEFAULT_FLITE_VOICE;
  if (Object.hasOwn(FLITE_VOICES, name)) return name as FliteVoice;
  throw new ConfigError('CONFIG_INVALID', `unknown flite voice "${name.slice(0, 32)}"; expected one of ${Object.keys(FLITE_VOICES).join(', ')}`);
}
