/**
 * Sarvam streaming TTS (Bulbul voices, Indic languages) over its WebSocket
 * (`wss://api.sarvam.ai/text-to-speech/ws`, `api-subscription-key` header): L16 at the call's
 * 8 kHz (`speech_sample_rate` 8000, `output_audio_codec` linear16), one segment at a time on
 * the shared mux session (reconnect and re-request on a drop). The wire is tts-wire.ts.
 */
import type WebSocket from 'ws';
import { type Clock, defaultClock } from '../../clock.js';
import { chooseFormat } from '../audio-spec.js';
import { resolveApiKey } from '../net/api-key.js';
import { cancelledError } from '../net/failure.js';
import { type RetryOptions, type RetryPolicy, retryPolicy, withRetry } from '../net/retry.js';
import type { VendorInfo } from '../net/vendor.js';
import { connectWebSocket } from '../net/ws-connect.js';
import { MuxTtsSession } from '../tts-mux/session.js';
import type { AudioSpec, TtsOpenOptions, TtsProvider, TtsSession } from '../types.js';
import { sarvamBase } from './options.js';
import { describeSarvamError } from './stt-messages.js';
import { sarvamTtsWire } from './tts-wire.js';

/** Sarvam as the TTS vendor. */
export const SARVAM_TTS: VendorInfo = { id: 'sarvam', label: 'Sarvam', envVar: 'SARVAM_API_KEY', kind: 'tts' };

/** Options of {@link SarvamTts}. */
export interface SarvamTtsOptions {
  /** Default SARVAM_API_KEY. */
  readonly apiKey?: string;
  /** Default SARVAM_TTS_BASE_URL, else SARVAM_BASE_URL, else `wss://api.sarvam.ai`. */
  readonly baseUrl?: string;
  /** Default `bulbul:v2`. */
  readonly model?: string;
  /** `target_language_code`; default `hi-IN`. */
  readonly language?: string;
  /** Voice; default `anushka` (a bulbul:v2 speaker). */
  readonly speaker?: string;
  /** Speech pace multiplier (Sarvam's range depends on the model). */
  readonly pace?: number;
  readonly connectTimeoutMs?: number;
  /** A segment with no audio this long after its flush fails with PROVIDER_TIMEOUT; default 10 000. */
  readonly audioTimeoutMs?: number;
  /** Ping an idle socket this often; default 20 000 ms (as Pipecat's client does). */
  readonly keepAliveMs?: number;
  readonly retry?: RetryOptions;
  readonly clock?: Clock;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Raw L16 at the rates Sarvam's streaming TTS lists (8000, 16000, 22050, 24000 Hz). */
const SARVAM_FORMATS: readonly AudioSpec[] = [
  { encoding: 'pcm16', sampleRate: 8000 },
  { encoding: 'pcm16', sampleRate: 16000 },
  { encoding: 'pcm16', sampleRate: 22050 },
  { encoding: 'pcm16', sampleRate: 24000 },
];

/** See the module comment. */
export class SarvamTts implements TtsProvider {
  readonly name = SARVAM_TTS.id;
  readonly outputFormats = SARVAM_FORMATS;
  readonly #key: string;
  readonly #ws: string;
  readonly #o: SarvamTtsOptions;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;

  constructor(options: SarvamTtsOptions = {}) {
    this.#o = options;
    this.#key = resolveApiKey(SARVAM_TTS, options.apiKey, { env: options.env });
    this.#ws = sarvamBase(options.baseUrl ?? (options.env ?? process.env).SARVAM_TTS_BASE_URL, options.env).ws;
    this.#retry = retryPolicy(options.retry);
    this.#clock = options.clock ?? defaultClock;
  }

  open(options: TtsOpenOptions): Promise<TtsSession> {
    const audio = chooseFormat(options.preferred, this.outputFormats);
    const o = this.#o;
    return MuxTtsSession.open({
      vendor: SARVAM_TTS,
      wire: sarvamTtsWire({ model: o.model ?? 'bulbul:v2', language: o.language ?? 'hi-IN', speaker: options.voice ?? o.speaker ?? 'anushka', sampleRate: audio.sampleRate, pace: o.pace }),
      audio,
      connect: (signal) => this.#socket(signal),
      clock: this.#clock,
      retry: this.#retry,
      keepAliveMs: o.keepAliveMs ?? 20_000,
      maxContexts: 1,
      audioTimeoutMs: o.audioTimeoutMs,
      ctx: options,
    });
  }

  /** Check the key by opening the socket and closing it at once (nothing is synthesized). */
  async verify(signal: AbortSignal): Promise<void> {
    const ws = await withRetry(() => this.#socket(signal), { policy: this.#retry, clock: this.#clock, signal, cancelled: () => cancelledError(SARVAM_TTS) });
    ws.close(1000);
  }

  #socket(signal: AbortSignal): Promise<WebSocket> {
    const q = new URLSearchParams({ model: this.#o.model ?? 'bulbul:v2', send_completion_event: 'true' });
    return connectWebSocket({
      vendor: SARVAM_TTS,
      url: `${this.#ws}/text-to-speech/ws?${q.toString()}`,
      headers: { 'api-subscription-key': this.#key },
      timeoutMs: this.#o.connectTimeoutMs ?? 5000,
      clock: this.#clock,
      signal,
      secret: this.#key,
      what: 'streaming text-to-speech',
      describe: describeSarvamError,
      maxPayload: 16 * 1024 * 1024,
    });
  }
}
