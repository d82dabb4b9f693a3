/**
 * AssemblyAI Universal-Streaming v3 (WebSocket `wss://streaming.assemblyai.com/v3/ws`) on a
 * thin `ws` client: the call's mu-law 8 kHz sent as `pcm_mulaw` (or L16 as `pcm_s16le`), turn
 * events mapped to interim/final/utterance_end, ForceEndpoint and Terminate, with
 * reconnect-and-replay (session.ts). Auth is the key in the `Authorization` header (as the
 * official SDK sends it: github.com/AssemblyAI/assemblyai-node-sdk
 * src/services/streaming/service.ts); a socket counts as open only once `Begin` arrived,
 * because AssemblyAI refuses a bad key or a rate limit after the upgrade, with close 1008.
 */
import type WebSocket from 'ws';
import { cancelledError, timeoutError } from '../net/failure.js';
import { withRetry } from '../net/retry.js';
import { openSttSocket } from '../net/reconnecting-stt.js';
import { connectWebSocket } from '../net/ws-connect.js';
import type { AudioSpec, SttOpenOptions, SttProvider, SttSession } from '../types.js';
import { parseAaiMessage } from './messages.js';
import { ASSEMBLYAI, type AssemblyAiConfig, type AssemblyAiSttOptions, resolveAssemblyAiConfig, streamingUrl } from './options.js';
import { closeError } from './close-codes.js';
import { AssemblyAiSession } from './session.js';

/** Largest server message accepted (a long turn with word timings is a few KB). */
const MAX_MESSAGE = 1 << 20;

/** See the module comment. */
export class AssemblyAiStt implements SttProvider {
  readonly name = ASSEMBLYAI.id;
  /** Accepted with no transcoding: the call's mu-law 8 kHz, or L16 at 16 or 8 kHz. */
  readonly inputFormats: readonly AudioSpec[] = [
    { encoding: 'mulaw', sampleRate: 8000 },
    { encoding: 'pcm16', sampleRate: 16000 },
    { encoding: 'pcm16', sampleRate: 8000 },
  ];
  readonly #c: AssemblyAiConfig;

  constructor(options: AssemblyAiSttOptions = {}) {
    this.#c = resolveAssemblyAiConfig(options);
  }

  /** Open the socket, wait for `Begin` (retrying retryable failures) and start a session. */
  async open(options: SttOpenOptions): Promise<SttSession> {
    const { ws, connect } = await openSttSocket(ASSEMBLYAI, this.#c, options, (signal) => this.#begin(options.audio, signal));
    return new AssemblyAiSession(this.#c, options, ws, connect);
  }

  /** Check the key by starting a session and terminating it at once (no audio sent). */
  async verify(signal: AbortSignal): Promise<void> {
    const ws = await withRetry(() => this.#begin({ encoding: 'mulaw', sampleRate: 8000 }, signal), {
      policy: this.#c.retry,
      clock: this.#c.clock,
      signal,
      cancelled: () => cancelledError(ASSEMBLYAI),
    });
    ws.send(JSON.stringify({ type: 'Terminate' }));
    ws.close(1000);
  }

  /** An open socket that has said `Begin`, or a ProviderError. */
  async #begin(audio: AudioSpec, signal: AbortSignal): Promise<WebSocket> {
    const started = this.#c.clock.now();
    // AssemblyAI sends Begin the moment it accepts: it can arrive in the same read as the 101 and
    // be emitted before the await below resumes, so it is listened for from the socket's creation.
    let began = false;
    let lastError = '';
    let onBegin: (() => void) | undefined;
    const early = (data: Buffer, isBinary: boolean): void => {
      if (isBinary) return;
      const m = parseAaiMessage(data.toString('utf8'));
      if (m?.type === 'Begin') {
        began = true;
        onBegin?.();
      } else if (m?.type === 'Error') lastError = m.error;
    };
    let socket: WebSocket | undefined;
    const ws = await connectWebSocket({
      vendor: ASSEMBLYAI,
      url: streamingUrl(this.#c, audio),
      headers: { authorization: this.#c.apiKey },
      timeoutMs: this.#c.connectTimeoutMs,
      clock: this.#c.clock,
      signal,
      secret: this.#c.apiKey,
      what: 'live transcription',
      // The handshake's error body format is not documented; keep its text as the message.
      describe: (_s, body) => ({ vendorMessage: body.slice(0, 200) || undefined }),
      maxPayload: MAX_MESSAGE,
      onSocket: (s) => {
        socket = s;
        s.on('message', early);
      },
    }).catch((e: unknown) => {
      socket?.off('message', early);
      throw e;
    });
    return new Promise((resolve, reject) => {
      const left = Math.max(1, this.#c.connectTimeoutMs - (this.#c.clock.now() - started));
      const done = (e: Error | undefined): void => {
        this.#c.clock.clearTimer(timer);
        signal.removeEventListener('abort', onAbort);
        ws.off('message', early);
        ws.off('close', onClose);
        onBegin = undefined;
        if (e === undefined) {
          resolve(ws);
          return;
        }
        ws.on('error', () => {});
        ws.terminate();
        reject(e);
      };
      const onClose = (code: number, reason: Buffer): void => done(closeError(this.#c, code, lastError || reason.toString('utf8'), audio));
      const onAbort = (): void => done(cancelledError(ASSEMBLYAI));
      const timer = this.#c.clock.setTimer(() => done(timeoutError(ASSEMBLYAI, 'send Begin', this.#c.connectTimeoutMs)), left);
      ws.on('error', () => {});
      ws.on('close', onClose);
      signal.addEventListener('abort', onAbort, { once: true });
      if (began) done(undefined);
      else onBegin = () => done(undefined);
    });
  }
}
