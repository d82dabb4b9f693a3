/**
 * Deepgram live streaming STT (WebSocket `/v1/listen`) on a thin `ws` client: mu-law 8 kHz or
 * L16 straight from the call, interim results, endpointing, UtteranceEnd, SpeechStarted,
 * KeepAlive, Finalize and CloseStream, with reconnect-and-replay (session.ts).
 */
import type WebSocket from 'ws';
import { cancelledError } from '../net/failure.js';
import { withRetry } from '../net/retry.js';
import { openSttSocket } from '../net/reconnecting-stt.js';
import { connectWebSocket } from '../net/ws-connect.js';
import type { AudioSpec, SttOpenOptions, SttProvider, SttSession } from '../types.js';
import { describeDeepgramError } from './messages.js';
import { DEEPGRAM, type DeepgramConfig, type DeepgramSttOptions, listenUrl, resolveDeepgramConfig } from './options.js';
import { DeepgramSession } from './session.js';

/** Largest server message accepted (a long final with word timings is a few KB). */
const MAX_MESSAGE = 1 << 20;

/** See the module comment. */
export class DeepgramStt implements SttProvider {
  readonly name = DEEPGRAM.id;
  /** Accepted with no transcoding: the call's mu-law 8 kHz, or L16 at 16 or 8 kHz. */
  readonly inputFormats: readonly AudioSpec[] = [
    { encoding: 'mulaw', sampleRate: 8000 },
    { encoding: 'pcm16', sampleRate: 16000 },
    { encoding: 'pcm16', sampleRate: 8000 },
  ];
  readonly #c: DeepgramConfig;

  constructor(options: DeepgramSttOptions = {}) {
    this.#c = resolveDeepgramConfig(options);
  }

  /** Open the socket (retrying retryable failures) and start a session. */
  async open(options: SttOpenOptions): Promise<SttSession> {
    const url = listenUrl(this.#c, options.audio, options.language, options.callId);
    const { ws, connect } = await openSttSocket(DEEPGRAM, this.#c, options, (signal) => this.#socket(url, signal));
    return new DeepgramSession(this.#c, options, ws, connect);
  }

  /** Check the key by opening a stream and closing it at once (no audio, nothing billed). */
  async verify(signal: AbortSignal): Promise<void> {
    const ws = await withRetry(() => this.#socket(listenUrl(this.#c, { encoding: 'mulaw', sampleRate: 8000 }, undefined, 'verify'), signal), {
      policy: this.#c.retry,
      clock: this.#c.clock,
      signal,
      cancelled: () => cancelledError(DEEPGRAM),
    });
    ws.send(JSON.stringify({ type: 'CloseStream' }));
    ws.close(1000);
  }

  #socket(url: string, signal: AbortSignal): Promise<WebSocket> {
    return connectWebSocket({
      vendor: DEEPGRAM,
      url,
      headers: { authorization: `Token ${this.#c.apiKey}` },
      timeoutMs: this.#c.connectTimeoutMs,
      clock: this.#c.clock,
      signal,
      secret: this.#c.apiKey,
      what: 'live transcription',
      describe: describeDeepgramError,
      maxPayload: MAX_MESSAGE,
    });
  }
}
