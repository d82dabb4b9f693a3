/**
 * ElevenLabs streaming TTS over the multi-context WebSocket, on a thin `ws` client. Text is
 * sent while the LLM is still producing it (`synthesizeStream`); output is `ulaw_8000` for a
 * mu-law call and `pcm_16000` for an L16 call, so nothing is transcoded.
 */
import type WebSocket from 'ws';
import { chooseFormat } from '../audio-spec.js';
import { probe } from '../net/probe.js';
import { connectWebSocket } from '../net/ws-connect.js';
import { RAW_TTS_FORMATS } from '../tts-mux/formats.js';
import { MuxTtsSession } from '../tts-mux/session.js';
import type { AudioSpec, TtsOpenOptions, TtsProvider, TtsSession } from '../types.js';
import { ELEVENLABS, type ElevenLabsConfig, type ElevenLabsTtsOptions, multiStreamUrl, resolveElevenLabsConfig } from './options.js';
import { describeElevenLabsError, elevenLabsWire } from './wire.js';

/** ElevenLabs allows 5 concurrent contexts per connection (multi-context guide). */
const MAX_CONTEXTS = 5;
/** Largest server message (base64 audio chunk with alignment). */
const MAX_MESSAGE = 16 * 1024 * 1024;

/** See the module comment. */
export class ElevenLabsTts implements TtsProvider {
  readonly name = ELEVENLABS.id;
  readonly outputFormats: readonly AudioSpec[] = RAW_TTS_FORMATS;
  readonly #c: ElevenLabsConfig;

  constructor(options: ElevenLabsTtsOptions = {}) {
    this.#c = resolveElevenLabsConfig(options);
  }

  /** Open the session's socket (pre-warm at stream start). */
  open(options: TtsOpenOptions): Promise<TtsSession> {
    const audio = chooseFormat(options.preferred, this.outputFormats);
    const url = multiStreamUrl(this.#c, options.voice ?? this.#c.voiceId, audio);
    return MuxTtsSession.open({
      vendor: ELEVENLABS,
      wire: elevenLabsWire(this.#c),
      audio,
      connect: (signal) => this.#socket(url, signal),
      clock: this.#c.clock,
      retry: this.#c.retry,
      keepAliveMs: this.#c.keepAliveMs,
      maxContexts: MAX_CONTEXTS,
      audioTimeoutMs: this.#c.audioTimeoutMs,
      ctx: options,
    });
  }

  /** Check the key and the voice with `GET /v1/voices/{voice_id}`. */
  verify(signal: AbortSignal): Promise<void> {
    return probe({
      vendor: ELEVENLABS,
      url: `${this.#c.httpBase}/v1/voices/${encodeURIComponent(this.#c.voiceId)}`,
      headers: { 'xi-api-key': this.#c.apiKey },
      timeoutMs: this.#c.connectTimeoutMs,
      clock: this.#c.clock,
      signal,
      secret: this.#c.apiKey,
      what: `voice ${this.#c.voiceId}`,
      describe: describeElevenLabsError,
      retry: this.#c.retry,
    });
  }

  #socket(url: string, signal: AbortSignal): Promise<WebSocket> {
    return connectWebSocket({
      vendor: ELEVENLABS,
      url,
      headers: { 'xi-api-key': this.#c.apiKey },
      timeoutMs: this.#c.connectTimeoutMs,
      clock: this.#c.clock,
      signal,
      secret: this.#c.apiKey,
      what: 'streaming text-to-speech',
      describe: (status, body) => describeElevenLabsError(status, body),
      maxPayload: MAX_MESSAGE,
    });
  }
}
