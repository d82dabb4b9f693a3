/**
 * Sarvam streaming STT (WebSocket `/speech-to-text/ws`, models saarika/saaras) for Indic
 * languages at telephony rates: L16 at 8 or 16 kHz as base64 JSON audio messages, Sarvam's VAD
 * signals for barge-in, flush for finalize, reconnect-and-replay (stt-session.ts).
 */
import type WebSocket from 'ws';
import { cancelledError } from '../net/failure.js';
import { withRetry } from '../net/retry.js';
import { openSttSocket } from '../net/reconnecting-stt.js';
import { connectWebSocket } from '../net/ws-connect.js';
import type { AudioSpec, SttOpenOptions, SttProvider, SttSession } from '../types.js';
import { SARVAM_STT, type SarvamSttConfig, type SarvamSttOptions, resolveSarvamSttConfig, sttUrl } from './options.js';
import { describeSarvamError } from './stt-messages.js';
import { SarvamSttSession } from './stt-session.js';

/** Largest server message accepted (a transcript with metrics is well under this). */
const MAX_MESSAGE = 1 << 20;

/** See the module comment. */
export class SarvamStt implements SttProvider {
  readonly name = SARVAM_STT.id;
  /** Sarvam lists no mu-law codec: the agent converts the call's audio to L16 8 kHz. */
  readonly inputFormats: readonly AudioSpec[] = [
    { encoding: 'pcm16', sampleRate: 8000 },
    { encoding: 'pcm16', sampleRate: 16000 },
  ];
  readonly #c: SarvamSttConfig;

  constructor(options: SarvamSttOptions = {}) {
    this.#c = resolveSarvamSttConfig(options);
  }

  /** Open the socket (retrying retryable failures such as 429 and 5xx) and start a session. */
  async open(options: SttOpenOptions): Promise<SttSession> {
    const url = sttUrl(this.#c, options.audio, options.language);
    const { ws, connect } = await openSttSocket(SARVAM_STT, this.#c, options, (signal) => this.#socket(url, signal));
    return new SarvamSttSession(this.#c, options, ws, connect);
  }

  /** Check the key by opening a stream and closing it at once (no audio sent). */
  async verify(signal: AbortSignal): Promise<void> {
    const ws = await withRetry(() => this.#socket(sttUrl(this.#c, { encoding: 'pcm16', sampleRate: 8000 }, undefined), signal), {
      policy: this.#c.retry,
      clock: this.#c.clock,
      signal,
      cancelled: () => cancelledError(SARVAM_STT),
    });
    ws.close(1000);
  }

  #socket(url: string, signal: AbortSignal): Promise<WebSocket> {
    return connectWebSocket({
      vendor: SARVAM_STT,
      url,
      // https://docs.sarvam.ai/api-reference-docs/speech-to-text/transcribe/ws: the key goes in
      // the `api-subscription-key` header.
      headers: { 'api-subscription-key': this.#c.apiKey },
      timeoutMs: this.#c.connectTimeoutMs,
      clock: this.#c.clock,
      signal,
      secret: this.#c.apiKey,
      what: 'streaming speech-to-text',
      describe: describeSarvamError,
      maxPayload: MAX_MESSAGE,
    });
  }
}
