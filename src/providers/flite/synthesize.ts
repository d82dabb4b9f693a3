/**
 * Text -> PCM16 with the embedded flite voices, at any sample rate (resampled with the
 * speex resampler when the rate differs from the voice's native rate). Used by the
 * emulator's `say`, by tests, and by the flite TTS provider.
 */
import { concatPcm } from '../../audio/pcm.js';
import { createResampler } from '../../audio/resampler.js';
import { decodeWav } from '../../audio/wav.js';
import { ProviderError } from '../../errors.js';
import { type FlitePool, sharedFlitePool } from './pool.js';
import { FLITE_VOICES, type FliteVoice, fliteVoice } from './voices.js';

/** Options of {@link synthesizeSpeech}. */
export interface FliteSynthesizeOptions {
  /** Voice name (default `kal16`). */
  voice?: FliteVoice | string;
  /** Output rate in Hz (default: the voice's native rate). */
  sampleRate?: number;
  /** Cancels the request (rejects with PROVIDER_CANCELLED). */
  signal?: AbortSignal;
  /** Pool to run on (default: the shared pool). */
  pool?: FlitePool;
  /** Who asks (one call's session): the pool gives each owner a fair share of its queue. */
  owner?: unknown;
}

/** Mono PCM16 audio and its rate. */
export interface SpeechAudio {
  readonly samples: Int16Array;
  readonly sampleRate: number;
}

/** Convert PCM16 from one rate to another in one go (no-op copy when equal). */
export function resampleAll(samples: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return samples;
  const r = createResampler(from, to);
  try {
    return concatPcm([r.process(samples), r.flush()]);
  } finally {
    r.destroy();
  }
}

/**
 * Synthesize `text` to mono PCM16.
 * @throws ProviderError (see {@link FlitePool.synthesize}); ConfigError for an unknown voice
 */
export async function synthesizeSpeech(text: string, options: FliteSynthesizeOptions = {}): Promise<SpeechAudio> {
  const voice = fliteVoice(options.voice);
  const native = FLITE_VOICES[voice];
  const rate = options.sampleRate ?? native;
  if (text.trim() === '') return { samples: new Int16Array(0), sampleRate: rate };
  const wav = await (options.pool ?? sharedFlitePool()).synthesize(text, voice, options.signal, options.owner);
  let decoded: { samples: Int16Array; sampleRate: number };
  try {
    decoded = decodeWav(wav);
  } catch (cause) {
    throw new ProviderError('PROVIDER_PROTOCOL', 'flite', 'flite produced an unreadable WAV file', { cause });
  }
  return { samples: resampleAll(decoded.samples, decoded.sampleRate, rate), sampleRate: rate };
}
