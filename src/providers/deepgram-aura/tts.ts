/**
 * Deepgram Aura TTS over its streaming WebSocket (`wss://api.deepgram.com/v1/speak?model=
 * aura-2-thalia-en&encoding=mulaw&sample_rate=8000`, `Authorization: Token <key>`): mu-law
 * 8 kHz natively for a phone call, L16 otherwise; one segment at a time on the socket (Aura's
 * stream has no contexts), barge-in by Clear, reconnect-and-resume by the mux session.
 */
import type WebSocket from 'ws';
import { type Clock, defaultClock } from '../../clock.js';
import { chooseFormat } from '../audio-spec.js';
import { resolveApiKey } from '../net/api-key.js';
import { httpAndWsBase } from '../net/base-url.js';
import { cancelledError } from '../net/failure.js';
import { type RetryOptions, type RetryPolicy, retryPolicy, withRetry } from '../net/retry.js';
import type { VendorInfo } from '../net/vendor.js';
import { connectWebSocket } from '../net/ws-connect.js';
import { describeDeepgramError } from '../deepgram/messages.js';
import { MuxTtsSession } from '../tts-mux/session.js';
import type { AudioSpec, TtsOpenOptions, TtsProvider, TtsSession } from '../types.js';
import { auraWire } from './wire.js';

/** Who the client is: Deepgram's key, a TTS seam. */
export const DEEPGRAM_AURA: VendorInfo = { id: 'deepgram-aura', label: 'Deepgram Aura', envVar: 'DEEPGRAM_API_KEY', kind: 'tts' };

/** Options of {@link DeepgramAuraTts}. */
export interface DeepgramAuraTtsOptions {
  /** Default DEEPGRAM_API_KEY. */
  readonly apiKey?: string;
  /** Default DEEPGRAM_TTS_BASE_URL, else DEEPGRAM_BASE_URL, else `wss://api.deepgram.com`. */
  readonly baseUrl?: string;
  /** The voice model; default `aura-2-thalia-en` (or DEEPGRAM_TTS_MODEL). */
  readonly model?: string;
  readonly connectTimeoutMs?: number;
  /** A segment with no audio this long after its Flush fails with PROVIDER_TIMEOUT; default 10 000. */
  readonly audioTimeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly clock?: Clock;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Encodings and rates Aura streams raw (https://developers.deepgram.com/docs/tts-media-output-settings). */
const AURA_FORMATS: readonly AudioSpec[] = [
  { encoding: 'mulaw', sampleRate: 8000 },
  { encoding: 'pcm16', sampleRate: 16000 },
  { encoding: 'pcm16', sampleRate: 8000 },
  { encoding: 'pcm16', sampleRate: 24000 },
  { encoding: 'pcm16', sampleRate: 48000 },
];

/** See the module comment. */
export class DeepgramAuraTts implements TtsProvider {
  readonly name = DEEPGRAM_AURA.id;
  readonly outputFormats = AURA_FORMATS;
  readonly #key: string;
  readonly #ws: string;
  readonly #model: string;
  readonly #o: DeepgramAuraTtsOptions;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;

  constructor(options: DeepgramAuraTtsOptions = {}) {
    const env = options.env ?? process.env;
    this.#o = options;
    this.#key = resolveApiKey(DEEPGRAM_AURA, options.apiKey, { env });
    this.#ws = httpAndWsBase(options.baseUrl ?? env.DEEPGRAM_TTS_BASE_URL ?? env.DEEPGRAM_BASE_URL ?? 'wss://api.deepgram.com', 'Deepgram Aura').ws;
    this.#model = options.model ?? env.DEEPGRAM_TTS_MODEL ?? 'aura-2-thalia-en';
    this.#retry = retryPolicy(options.retry);
    this.#clock = options.clock ?? defaultClock;
  }

  open(options: TtsOpenOptions): Promise<TtsSession> {
    const audio = chooseFormat(options.preferred, this.outputFormats);
    return MuxTtsSession.open({
      vendor: DEEPGRAM_AURA,
      wire: auraWire(),
      audio,
      connect: (signal) => this.#socket(signal, audio, options.voice),
      clock: this.#clock,
      retry: this.#retry,
      keepAliveMs: 0,
      maxContexts: 1,
      audioTimeoutMs: this.#o.audioTimeoutMs,
      ctx: options,
    });
  }

  /** Check the key by opening the socket and closing it at once (nothing is synthesized). */
  async verify(signal: AbortSignal): Promise<void> {
    const ws = await withRetry(() => this.#socket(signal, { encoding: 'mulaw', sampleRate: 8000 }, undefined), {
      policy: this.#retry,
      clock: this.#clock,
      signal,
      cancelled: () => cancelledError(DEEPGRAM_AURA),
    });
    ws.send(JSON.stringify({ type: 'Close' }));
    ws.close(1000);
  }

  #socket(signal: AbortSignal, audio: AudioSpec, voice: string | undefined): Promise<WebSocket> {
    const q = new URLSearchParams({ model: voice ?? this.#model, encoding: audio.encoding === 'mulaw' ? 'mulaw' : 'linear16', sample_rate: String(audio.sampleRate) });
    return connectWebSocket({
      vendor: DEEPGRAM_AURA,
      url: `${this.#ws}/v1/speak?${q.toString()}`,
      headers: { authorization: `Token ${this.#key}` },
      timeoutMs: this.#o.connectTimeoutMs ?? 5000,
      clock: this.#clock,
      signal,
      secret: this.#key,
      what: 'streaming text-to-speech',
      describe: describeDeepgramError,
      maxPayload: 16 * 1024 * 1024,
    });
  }
}
