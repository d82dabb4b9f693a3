/**
 * One live Sarvam transcription for one call. The socket opens at stream start and stays for
 * the call. If it drops, audio pushed meanwhile is buffered and, with everything not yet
 * transcribed, replayed on a new socket, so no utterance is lost. Sarvam sends no word
 * timings, so "transcribed" is judged by message order: a transcript covers the audio up to
 * the END_SPEECH before it (or, after a flush, all audio pushed before it arrived).
 */
import type WebSocket from 'ws';
import { BoundedQueue } from '../../bounded-queue.js';
import { detach } from '../../detached.js';
import { type CallwireError, ProviderError, isCallwireError } from '../../errors.js';
import { bytesPerMs, sampleBytes } from '../audio-spec.js';
import { ReplayBuffer } from '../deepgram/replay-buffer.js';
import { cancelledError } from '../net/failure.js';
import { withRetry } from '../net/retry.js';
import type { ProviderMetric, SttEvent, SttOpenOptions, SttSession } from '../types.js';
import { SARVAM_STT, type SarvamSttConfig } from './options.js';
import { type SarvamSttMessage, parseSarvamSttMessage, sarvamAudioMessage } from './stt-messages.js';

/** Connects a new socket (the provider supplies handshake, headers and URL). */
export type SarvamConnector = (signal: AbortSignal, attempt: number) => Promise<WebSocket>;

type State = 'open' | 'reconnecting' | 'closing' | 'closed';

/** Audio a socket may hold unsent before it is treated as dead (and reconnected). */
const MAX_STALLED_MS = 10_000;

/** See the module comment. */
export class SarvamSttSession implements SttSession {
  readonly #c: SarvamSttConfig;
  readonly #ctx: SttOpenOptions;
  readonly #connect: SarvamConnector;
  readonly #events: BoundedQueue<SttEvent>;
  readonly #replay: ReplayBuffer;
  readonly #bpms: number;
  readonly #abort = new AbortController();
  #ws: WebSocket;
  #state: State = 'open';
  /** Speech started and its transcript has not arrived yet. */
  #inUtterance = false;
  /** Session offset at the last END_SPEECH not yet followed by a transcript. */
  #speechEndAt: number | undefined;
  #pendingFlush = false;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  #overflowWarned = false;

  constructor(c: SarvamSttConfig, ctx: SttOpenOptions, ws: WebSocket, connect: SarvamConnector) {
    this.#c = c;
    this.#ctx = ctx;
    this.#connect = connect;
    this.#bpms = bytesPerMs(ctx.audio);
    this.#replay = new ReplayBuffer(Math.round(c.replayLimitMs * this.#bpms), sampleBytes(ctx.audio));
    this.#events = new BoundedQueue<SttEvent>({ capacity: c.eventCapacity, onCancel: () => void this.close() });
    this.#ws = ws;
    this.#attach(ws);
    if (ctx.signal.aborted) void this.close();
    else ctx.signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.#events[Symbol.asyncIterator]();
  }

  push(audio: Uint8Array): void {
    if (this.#state === 'closing' || this.#state === 'closed' || audio.length === 0) return;
    // Copy: callers reuse frame buffers, and the replay buffer keeps these bytes.
    const bytes = Uint8Array.from(audio);
    if (this.#replay.append(bytes, this.#c.clock.now()) > 0 && !this.#overflowWarned) {
      this.#overflowWarned = true;
      this.#emit({ type: 'warning', error: new ProviderError('PROVIDER_QUEUE_FULL', SARVAM_STT.id, `Sarvam replay buffer full (${this.#c.replayLimitMs} ms of untranscribed audio); the oldest audio was dropped.`) });
    }
    if (this.#state !== 'open') return;
    if (this.#ws.bufferedAmount > MAX_STALLED_MS * this.#bpms * 1.4) {
      // Base64 in JSON is ~1.37x the audio; a socket that cannot drain 10 s of it is dead: reconnect.
      this.#ws.terminate();
      return;
    }
    this.#ws.send(sarvamAudioMessage(bytes, this.#ctx.audio.sampleRate));
  }

  finalize(): void {
    if (this.#state === 'open') this.#sendJson({ type: 'flush' });
    else if (this.#state === 'reconnecting') this.#pendingFlush = true;
  }

  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    const wasOpen = this.#state === 'open';
    this.#state = 'closing';
    if (wasOpen && !this.#ctx.signal.aborted && this.#inUtterance) {
      // An utterance is open: flush, and close once its transcript arrives (or the timer fires).
      this.#sendJson({ type: 'flush' });
      const timer = this.#c.clock.setTimer(() => this.#ws.close(1000), this.#c.closeTimeoutMs);
      this.#ws.once('close', () => this.#c.clock.clearTimer(timer));
    } else {
      this.#abort.abort();
      if (wasOpen && !this.#ctx.signal.aborted) this.#ws.close(1000);
      else this.#ws.terminate();
      this.#finish(undefined);
    }
    return this.#closed;
  }

  #finish(error: CallwireError | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#abort.abort();
    if (error === undefined) this.#events.end();
    else this.#events.fail(error);
    this.#resolveClosed?.();
  }

  #emit(event: SttEvent): void {
    if (!this.#events.push(event) && !this.#events.closed) {
      this.#ws.terminate();
      this.#finish(new ProviderError('PROVIDER_QUEUE_FULL', SARVAM_STT.id, `STT events were not read: ${this.#c.eventCapacity} are waiting. Consume the session's events.`));
    }
  }

  #metric(m: ProviderMetric): void {
    this.#ctx.onMetric?.(m);
  }

  #sendJson(msg: Record<string, unknown>): void {
    if (this.#ws.readyState === 1) this.#ws.send(JSON.stringify(msg));
  }

  #attach(ws: WebSocket): void {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (ws !== this.#ws || isBinary) return;
      const msg = parseSarvamSttMessage(data.toString('utf8'));
      if (msg !== undefined) this.#onMessage(msg);
    });
    ws.on('error', () => {
      // 'close' follows and decides what to do.
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (ws === this.#ws) this.#onClose(code, reason.toString('utf8'));
    });
  }

  #onMessage(m: SarvamSttMessage): void {
    switch (m.type) {
      case 'speech_start':
        this.#inUtterance = true;
        this.#emit({ type: 'speech_started' });
        return;
      case 'speech_end':
        this.#speechEndAt = this.#replay.end;
        return;
      case 'data': {
        const covered = this.#speechEndAt ?? this.#replay.end;
        const pushedAt = this.#replay.pushedAt(Math.max(this.#replay.start, covered - 1));
        if (pushedAt !== undefined && m.transcript !== '') this.#metric({ type: 'ttfb', kind: 'stt', provider: SARVAM_STT.id, ms: Math.max(0, this.#c.clock.now() - pushedAt) });
        this.#replay.trimBefore(covered);
        this.#speechEndAt = undefined;
        this.#inUtterance = false;
        if (m.transcript.trim() !== '') {
          this.#emit({ type: 'final', text: m.transcript, confidence: 1, speechFinal: true });
          this.#emit({ type: 'utterance_end' });
        }
        if (this.#state === 'closing') this.#ws.close(1000);
        return;
      }
      case 'error':
        this.#emit({ type: 'warning', error: new ProviderError('PROVIDER_PROTOCOL', SARVAM_STT.id, `Sarvam reported an error: ${m.message}`, { details: { vendorCode: m.code } }) });
        return;
      case 'unknown':
        return;
    }
  }

  #onClose(code: number, reason: string): void {
    if (this.#state === 'closing') {
      this.#finish(undefined);
      return;
    }
    if (this.#state !== 'open') return;
    const error = new ProviderError('PROVIDER_DISCONNECTED', SARVAM_STT.id, `Sarvam closed the stream (${code}${reason === '' ? '' : ` ${reason.slice(0, 80)}`}); reconnecting.`, {
      details: { closeCode: code },
    });
    // Detached: a throw after the reconnect ends this session, never the process.
    detach(() => this.#reconnect(error), (e) => this.#finish(e), 'PROVIDER_DISCONNECTED');
  }

  async #reconnect(error: CallwireError): Promise<void> {
    this.#state = 'reconnecting';
    const started = this.#c.clock.now();
    this.#emit({ type: 'reconnecting', attempt: 1, error });
    let ws: WebSocket;
    try {
      ws = await withRetry((attempt) => this.#connect(this.#abort.signal, attempt), {
        policy: this.#c.reconnect,
        clock: this.#c.clock,
        signal: this.#abort.signal,
        cancelled: () => cancelledError(SARVAM_STT),
        onRetry: (attempt, delayMs, e) => {
          this.#metric({ type: 'retry', kind: 'stt', provider: SARVAM_STT.id, attempt, delayMs, code: e.code });
          this.#emit({ type: 'reconnecting', attempt: attempt + 1, error: e });
        },
      });
    } catch (e) {
      if (this.#state === 'reconnecting') this.#finish(isCallwireError(e) ? e : error);
      return;
    }
    if (this.#state !== 'reconnecting') {
      ws.terminate();
      return;
    }
    this.#ws = ws;
    this.#attach(ws);
    this.#state = 'open';
    // The new socket never heard the old one's speech: its VAD signals start afresh.
    this.#inUtterance = false;
    this.#speechEndAt = undefined;
    let replayed = 0;
    for (const chunk of this.#replay.pending()) {
      ws.send(sarvamAudioMessage(chunk, this.#ctx.audio.sampleRate));
      replayed += chunk.length;
    }
    if (this.#pendingFlush) {
      this.#pendingFlush = false;
      this.#sendJson({ type: 'flush' });
    }
    const replayedMs = replayed / this.#bpms;
    this.#metric({ type: 'reconnect', kind: 'stt', provider: SARVAM_STT.id, ms: this.#c.clock.now() - started, replayed: replayedMs });
    this.#emit({ type: 'reconnected', replayedMs });
  }
}
