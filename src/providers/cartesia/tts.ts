/**
 * Cartesia Sonic TTS over its WebSocket on a thin `ws` client (Cartesia's SDK forces `wss:`).
 * Raw mu-law 8 kHz for a mu-law call, s16le for an L16 call; contexts run concurrently and
 * are cancelled individually; streamed input uses continuations.
 */
import type WebSocket from 'ws';
import { chooseFormat } from '../audio-spec.js';
import { probe } from '../net/probe.js';
import { connectWebSocket } from '../net/ws-connect.js';
import { RAW_TTS_FORMATS } from '../tts-mux/formats.js';
import { MuxTtsSession } from '../tts-mux/session.js';
import type { AudioSpec, TtsOpenOptions, TtsProvider, TtsSession } from '../types.js';
import { CARTESIA, type CartesiaConfig, type CartesiaTtsOptions, resolveCartesiaConfig, ttsSocketUrl } from './options.js';
import { cartesiaWire, describeCartesiaError } from './wire.js';

const MAX_MESSAGE = 16 * 1024 * 1024;

/** See the module comment. */
export class CartesiaTts implements TtsProvider {
  readonly name = CARTESIA.id;
  readonly outputFormats: readonly AudioSpec[] = RAW_TTS_FORMATS;
  readonly #c: CartesiaConfig;

  constructor(options: CartesiaTtsOptions = {}) {
    this.#c = resolveCartesiaConfig(options);
  }

  #headers(): Record<string, string> {
    return { authorization: `Bearer ${this.#c.apiKey}`, 'cartesia-version': this.#c.version };
  }

  /** Open the session's socket (pre-warm at stream start). */
  open(options: TtsOpenOptions): Promise<TtsSession> {
    const audio = chooseFormat(options.preferred, this.outputFormats);
    return MuxTtsSession.open({
      vendor: CARTESIA,
      wire: cartesiaWire(this.#c, options.voice ?? this.#c.voiceId, audio),
      audio,
      connect: (signal) => this.#socket(signal),
      clock: this.#c.clock,
      retry: this.#c.retry,
      keepAliveMs: 0,
      maxContexts: this.#c.maxContexts,
      audioTimeoutMs: this.#c.audioTimeoutMs,
      ctx: options,
    });
  }

  /** Check the key and the voice with `GET /voices/{id}`. */
  verify(signal: AbortSignal): Promise<void> {
    return probe({
      vendor: CARTESIA,
      url: `${this.#c.httpBase}/voices/${encodeURIComponent(this.#c.voiceId)}`,
      headers: this.#headers(),
      timeoutMs: this.#c.connectTimeoutMs,
      clock: this.#c.clock,
      signal,
      secret: this.#c.apiKey,
      what: `voice ${this.#c.voiceId}`,
      describe: describeCartesiaError,
      retry: this.#c.retry,
    });
  }

  #socket(signal: AbortSignal): Promise<WebSocket> {
    return connectWebSocket({
      vendor: CARTESIA,
      url: ttsSocketUrl(this.#c),
      headers: this.#headers(),
      timeoutMs: this.#c.connectTimeoutMs,
      clock: this.#c.clock,
      signal,
      secret: this.#c.apiKey,
      what: 'streaming text-to-speech',
      describe: (status, body) => describeCartesiaError(status, body),
      maxPayload: MAX_MESSAGE,
    });
  }
}
