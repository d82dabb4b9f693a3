/**
 * `flite`: the embedded offline TTS provider (no API key, no network). flite is not
 * incremental, so each segment is synthesized whole on the worker pool, then yielded in
 * ~100 ms chunks in the session's format: mu-law/8k for a mu-law call, PCM16 at the
 * requested rate for an L16 call.
 */
import { encodeMulaw } from '../../audio/mulaw.js';
import { pcmToL16 } from '../../audio/pcm.js';
import { ProviderError } from '../../errors.js';
import type { AudioSpec, TtsOpenOptions, TtsProvider, TtsSession } from '../types.js';
import type { FlitePool } from './pool.js';
import { synthesizeSpeech } from './synthesize.js';
import { FLITE_VOICES, type FliteVoice, fliteVoice } from './voices.js';

/** Options of {@link fliteTts}. */
export interface FliteTtsOptions {
  /** Default voice for sessions that do not name one (default `kal16`). */
  voice?: FliteVoice | string;
  /** Worker pool (default: the shared pool). */
  pool?: FlitePool;
  /** Audio per yielded chunk in ms (default 100). */
  chunkMs?: number;
}

/** Pick the first preferred format flite can produce; else PCM16 at the voice's native rate. */
export function chooseFliteFormat(preferred: readonly AudioSpec[], nativeRate: number): AudioSpec {
  for (const spec of preferred) {
    if (spec.encoding === 'mulaw' && spec.sampleRate === 8000) return spec;
    if (spec.encoding === 'pcm16' && Number.isInteger(spec.sampleRate) && spec.sampleRate >= 8000 && spec.sampleRate <= 48000) return spec;
  }
  return { encoding: 'pcm16', sampleRate: nativeRate };
}

class FliteSession implements TtsSession {
  readonly audio: AudioSpec;
  readonly #voice: FliteVoice;
  readonly #pool: FlitePool | undefined;
  readonly #chunkBytes: number;
  readonly #closed = new AbortController();
  readonly #callSignal: AbortSignal;

  constructor(voice: FliteVoice, audio: AudioSpec, options: FliteTtsOptions, callSignal: AbortSignal) {
    this.#voice = voice;
    this.audio = audio;
    this.#pool = options.pool;
    const bytesPerSample = audio.encoding === 'mulaw' ? 1 : 2;
    this.#chunkBytes = Math.max(1, Math.round(((options.chunkMs ?? 100) * audio.sampleRate) / 1000)) * bytesPerSample;
    this.#callSignal = callSignal;
  }

  /** Synthesize one segment (this session is the pool's owner: one call's fair share); yields ~100 ms chunks once flite is done; abort ends it quietly. */
  async *synthesize(text: string, options: { readonly signal: AbortSignal }): AsyncGenerator<Uint8Array> {
    if (this.#closed.signal.aborted) throw new ProviderError('PROVIDER_UNAVAILABLE', 'flite', 'the flite session is closed');
    const signal = AbortSignal.any([options.signal, this.#callSignal, this.#closed.signal]);
    let samples: Int16Array;
    try {
      ({ samples } = await synthesizeSpeech(text, { voice: this.#voice, sampleRate: this.audio.sampleRate, signal, pool: this.#pool, owner: this }));
    } catch (e) {
      // Barge-in or hang-up: the interface ends the iterator quietly.
      if (signal.aborted) return;
      throw e;
    }
    const bytes = this.audio.encoding === 'mulaw' ? encodeMulaw(samples) : pcmToL16(samples);
    for (let at = 0; at < bytes.length; at += this.#chunkBytes) {
      if (signal.aborted) return;
      yield bytes.subarray(at, Math.min(bytes.length, at + this.#chunkBytes));
    }
  }

  /** Close the session: running segments end, new ones are refused. */
  async close(): Promise<void> {
    this.#closed.abort();
  }
}

/** The embedded flite TTS provider. */
export function fliteTts(options: FliteTtsOptions = {}): TtsProvider {
  const defaultVoice = fliteVoice(options.voice);
  const native = FLITE_VOICES[defaultVoice];
  return {
    name: 'flite',
    outputFormats: [
      { encoding: 'pcm16', sampleRate: native },
      { encoding: 'pcm16', sampleRate: native === 8000 ? 16000 : 8000 },
      { encoding: 'mulaw', sampleRate: 8000 },
    ],
    async open(open: TtsOpenOptions): Promise<TtsSession> {
      const voice = fliteVoice(open.voice ?? defaultVoice);
      return new FliteSession(voice, chooseFliteFormat(open.preferred, FLITE_VOICES[voice]), options, open.signal);
    },
  };
}
