/**
 * One live Deepgram transcription for one call. The socket opens at stream start and stays
 * for the call (KeepAlive while no audio flows). If it drops, audio pushed meanwhile is
 * buffered and, with everything not yet finalised, replayed on a new socket; results are
 * shifted back to session time so a transcript is neither lost nor repeated.
 */
import { detach } from '../../detached.js';
import type WebSocket from 'ws';
import type { TimerHandle } from '../../clock.js';
import { type CallwireError, ProviderError, isCallwireError } from '../../errors.js';
import { bytesPerMs, sampleBytes } from '../audio-spec.js';
import { BoundedQueue } from '../../bounded-queue.js';
import { cancelledError } from '../net/failure.js';
import { withRetry } from '../net/retry.js';
import type { ProviderMetric, SttEvent, SttOpenOptions, SttSession, SttWord } from '../types.js';
import { DEEPGRAM, type DeepgramConfig } from './options.js';
import { type DeepgramMessage, type DeepgramWord, parseDeepgramMessage } from './messages.js';
import { ReplayBuffer } from './replay-buffer.js';

/** Connects a new socket (the provider supplies handshake, headers and URL). */
export type DeepgramConnector = (signal: AbortSignal, attempt: number) => Promise<WebSocket>;

type State = 'open' | 'reconnecting' | 'closing' | 'closed';

/** Audio that a stalled socket may hold before it is treated as dead (and reconnected). */
const MAX_STALLED_MS = 10_000;

/** See the module comment. */
export class DeepgramSession implements SttSession {
  readonly #c: DeepgramConfig;
  readonly #ctx: SttOpenOptions;
  readonly #connect: DeepgramConnector;
  readonly #events: BoundedQueue<SttEvent>;
  readonly #replay: ReplayBuffer;
  readonly #bpms: number;
  readonly #align: number;
  readonly #abort = new AbortController();
  #ws: WebSocket;
  #state: State = 'open';
  /** Session byte offset of the first byte sent on the current socket. */
  #connStart = 0;
  /** Session ms up to which finals were delivered. */
  #finalEndMs = 0;
  /** A non-empty final arrived since the last speech_final (an utterance is open). */
  #utteranceOpen = false;
  #lastSentAt: number;
  /** When the current socket last sent anything, and how much audio went out since. */
  #lastHeardAt: number;
  #bytesSinceHeard = 0;
  #stalled = false;
  #keepAlive: TimerHandle | undefined;
  #pendingFinalize = false;
  #overflowWarned = false;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;

  constructor(c: DeepgramConfig, ctx: SttOpenOptions, ws: WebSocket, connect: DeepgramConnector) {
    this.#c = c;
    this.#ctx = ctx;
    this.#connect = connect;
    this.#bpms = bytesPerMs(ctx.audio);
    this.#align = sampleBytes(ctx.audio);
    this.#replay = new ReplayBuffer(Math.round(c.replayLimitMs * this.#bpms), this.#align);
    this.#events = new BoundedQueue<SttEvent>({
      capacity: c.eventCapacity,
      // An unread interim is superseded by the next one.
      coalesce: (last, next) => last.type === 'interim' && next.type === 'interim',
      onCancel: () => void this.close(),
    });
    this.#ws = ws;
    this.#lastSentAt = c.clock.now();
    this.#lastHeardAt = c.clock.now();
    this.#attach(ws);
    this.#scheduleKeepAlive();
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
    const dropped = this.#replay.append(bytes, this.#c.clock.now());
    if (dropped > 0 && !this.#overflowWarned) {
      this.#overflowWarned = true;
      this.#emit({
        type: 'warning',
        error: new ProviderError('PROVIDER_QUEUE_FULL', DEEPGRAM.id, `Deepgram replay buffer full (${this.#c.replayLimitMs} ms of un-finalised audio); the oldest audio was dropped.`),
      });
    }
    if (this.#state !== 'open') return;
    if (this.#ws.bufferedAmount > MAX_STALLED_MS * this.#bpms) {
      // A socket that cannot drain 10 s of audio is dead in all but name: reconnect.
      this.#ws.terminate();
      return;
    }
    this.#send(bytes);
  }

  finalize(): void {
    if (this.#state === 'open') this.#sendJson({ type: 'Finalize' });
    else if (this.#state === 'reconnecting') this.#pendingFinalize = true;
  }

  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    const wasOpen = this.#state === 'open';
    this.#state = 'closing';
    this.#stopKeepAlive();
    if (wasOpen && !this.#ctx.signal.aborted) {
      // CloseStream: Deepgram sends what it still has, a Metadata summary, then closes.
      this.#sendJson({ type: 'CloseStream' });
      const timer = this.#c.clock.setTimer(() => this.#ws.terminate(), this.#c.closeTimeoutMs);
      this.#ws.once('close', () => this.#c.clock.clearTimer(timer));
    } else {
      this.#abort.abort();
      this.#ws.terminate();
      this.#finish(undefined);
    }
    return this.#closed;
  }

  #finish(error: CallwireError | undefined): void {
    this.#state = 'closed';
    this.#stopKeepAlive();
    this.#abort.abort();
    if (error === undefined) this.#events.end();
    else this.#events.fail(error);
    this.#resolveClosed?.();
  }

  #emit(event: SttEvent): void {
    if (!this.#events.push(event) && !this.#events.closed) {
      this.#ws.terminate();
      this.#finish(new ProviderError('PROVIDER_QUEUE_FULL', DEEPGRAM.id, `STT events were not read: ${this.#c.eventCapacity} are waiting. Consume the session's events.`));
    }
  }

  #metric(m: ProviderMetric): void {
    this.#ctx.onMetric?.(m);
  }

  #send(bytes: Uint8Array): void {
    this.#ws.send(bytes);
    this.#lastSentAt = this.#c.clock.now();
    this.#bytesSinceHeard += bytes.length;
  }

  #sendJson(msg: Record<string, unknown>): void {
    if (this.#ws.readyState !== 1) return;
    this.#ws.send(JSON.stringify(msg));
    this.#lastSentAt = this.#c.clock.now();
  }

  #scheduleKeepAlive(): void {
    const every = Math.max(100, this.#c.keepAliveMs / 2);
    this.#keepAlive = this.#c.clock.setTimer(() => {
      if (this.#state === 'open' && this.#c.clock.now() - this.#lastSentAt >= this.#c.keepAliveMs) this.#sendJson({ type: 'KeepAlive' });
      if (this.#state === 'open') this.#checkStall();
      if (this.#state === 'open' || this.#state === 'reconnecting') this.#scheduleKeepAlive();
    }, every);
  }

  /**
   * A hung server: open, reading, answering nothing. Judged only while audio flows (at least
   * half the window's worth went out since the last message), so a quiet line is not a stall.
   */
  #checkStall(): void {
    const limit = this.#c.stallTimeoutMs;
    if (limit <= 0 || this.#c.clock.now() - this.#lastHeardAt < limit || this.#bytesSinceHeard < (limit / 2) * this.#bpms) return;
    this.#stalled = true;
    this.#ws.terminate();
  }

  #stopKeepAlive(): void {
    if (this.#keepAlive !== undefined) this.#c.clock.clearTimer(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  #attach(ws: WebSocket): void {
    this.#lastHeardAt = this.#c.clock.now();
    this.#bytesSinceHeard = 0;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (ws !== this.#ws || isBinary) return;
      this.#lastHeardAt = this.#c.clock.now();
      this.#bytesSinceHeard = 0;
      const msg = parseDeepgramMessage(data.toString('utf8'));
      if (msg !== undefined) this.#onMessage(msg);
    });
    ws.on('error', () => {
      // 'close' follows and decides what to do.
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (ws !== this.#ws) return;
      this.#onClose(code, reason.toString('utf8'));
    });
  }

  /** Session ms of a time in seconds on the current socket. */
  #sessionMs(seconds: number): number {
    return this.#connStart / this.#bpms + seconds * 1000;
  }

  #words(words: readonly DeepgramWord[]): SttWord[] {
    return words.map((w) => ({ word: w.word, startMs: this.#sessionMs(w.start), endMs: this.#sessionMs(w.end), confidence: w.confidence }));
  }

  #onMessage(m: DeepgramMessage): void {
    switch (m.type) {
      case 'Results': {
        const endMs = this.#sessionMs(m.start + m.duration);
        if (!m.isFinal) {
          if (m.transcript !== '' && endMs > this.#finalEndMs) this.#emit({ type: 'interim', text: m.transcript, confidence: m.confidence, words: this.#words(m.words) });
          return;
        }
        this.#onFinal(m, endMs);
        return;
      }
      case 'SpeechStarted':
        this.#emit({ type: 'speech_started', audioMs: this.#sessionMs(m.timestamp) });
        return;
      case 'UtteranceEnd':
        this.#emit({ type: 'utterance_end', lastWordEndMs: m.lastWordEnd === undefined ? undefined : this.#sessionMs(m.lastWordEnd) });
        return;
      case 'Metadata':
      case 'unknown':
        return;
    }
  }

  #onFinal(m: Extract<DeepgramMessage, { type: 'Results' }>, endMs: number): void {
    // A replayed socket starts where the last final ended; anything ending before is a repeat.
    if (endMs <= this.#finalEndMs + 1 && m.transcript !== '') return;
    const endByte = Math.round((endMs * this.#bpms) / this.#align) * this.#align;
    if (m.transcript !== '') {
      // The last byte the final covers was pushed at `pushedAt`; the lag is from then to now.
      const pushedAt = this.#replay.pushedAt(Math.min(endByte, this.#replay.end) - 1);
      if (pushedAt !== undefined) this.#metric({ type: 'ttfb', kind: 'stt', provider: DEEPGRAM.id, ms: Math.max(0, this.#c.clock.now() - pushedAt) });
    }
    this.#finalEndMs = Math.max(this.#finalEndMs, endMs);
    this.#replay.trimBefore(endByte);
    // Empty finals arrive during silence; only an empty speech_final closing an open utterance matters.
    if (m.transcript === '' && !(m.speechFinal && this.#utteranceOpen)) return;
    this.#utteranceOpen = m.transcript !== '' && !m.speechFinal;
    this.#emit({ type: 'final', text: m.transcript, confidence: m.confidence, speechFinal: m.speechFinal, words: this.#words(m.words) });
  }

  #onClose(code: number, reason: string): void {
    if (this.#state === 'closing') {
      this.#finish(undefined);
      return;
    }
    if (this.#state !== 'open') return;
    // https://developers.deepgram.com/docs/stt-troubleshooting-websocket-data-and-net-errors:
    // DATA-0000 (1008/1002) means the audio cannot be decoded: retrying the same audio cannot help.
    if (reason.includes('DATA-0000') || code === 1002 || code === 1003 || code === 1007) {
      this.#finish(
        new ProviderError(
          'PROVIDER_BAD_REQUEST',
          DEEPGRAM.id,
          `Deepgram could not decode the audio (close ${code} ${reason.slice(0, 80)}): the pushed bytes must match encoding=${this.#ctx.audio.encoding} at ${this.#ctx.audio.sampleRate} Hz.`,
          { details: { closeCode: code } },
        ),
      );
      return;
    }
    const stalled = this.#stalled;
    this.#stalled = false;
    const error = stalled
      ? new ProviderError('PROVIDER_TIMEOUT', DEEPGRAM.id, `Deepgram sent nothing for ${this.#c.stallTimeoutMs} ms while audio flowed; reconnecting.`, { details: { timeoutMs: this.#c.stallTimeoutMs } })
      : new ProviderError('PROVIDER_DISCONNECTED', DEEPGRAM.id, `Deepgram closed the stream (${code}${reason === '' ? '' : ` ${reason.slice(0, 80)}`}); reconnecting.`, {
          details: { closeCode: code },
        });
    // Detached: a throw after the reconnect (a metric callback, a send) ends this session, never the process.
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
        cancelled: () => cancelledError(DEEPGRAM),
        onRetry: (attempt, delayMs, e) => {
          this.#metric({ type: 'retry', kind: 'stt', provider: DEEPGRAM.id, attempt, delayMs, code: e.code });
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
    // The new socket's audio time 0 is the first replayed byte.
    this.#connStart = this.#replay.start;
    let replayed = 0;
    for (const chunk of this.#replay.pending()) {
      this.#send(chunk);
      replayed += chunk.length;
    }
    if (this.#pendingFinalize) {
      this.#pendingFinalize = false;
      this.#sendJson({ type: 'Finalize' });
    }
    const replayedMs = replayed / this.#bpms;
    this.#metric({ type: 'reconnect', kind: 'stt', provider: DEEPGRAM.id, ms: this.#c.clock.now() - started, replayed: replayedMs });
    this.#emit({ type: 'reconnected', replayedMs });
  }
}
