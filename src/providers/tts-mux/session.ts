/**
 * A TTS session on one multi-context WebSocket (ElevenLabs, Cartesia), opened at stream start
 * and reused for every segment of the call. Segments run concurrently, each on its own
 * context, each yielding only its own audio in order. Aborting a segment cancels only its
 * context. If the socket drops, it is reconnected and every unfinished segment is re-requested
 * from the first word its delivered audio had not finished (per the vendor's alignment or word
 * timestamps), so nothing is lost and at most a partial word repeats; without timing data the
 * segment restarts and the bytes already delivered are skipped.
 */
import { detach } from '../../detached.js';
import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import type { Clock, TimerHandle } from '../../clock.js';
import { type CallwireError, ProviderError, isCallwireError } from '../../errors.js';
import { bytesPerMs } from '../audio-spec.js';
import { backoffDelay, type RetryPolicy, withRetry } from '../net/retry.js';
import { cancelledError, timeoutError } from '../net/failure.js';
import type { VendorInfo } from '../net/vendor.js';
import type { AudioSpec, ProviderMetric, SynthesizeOptions, TimedWord, TtsOpenOptions, TtsSession } from '../types.js';
import { Segment } from './segment.js';
import { wordStart } from './text-progress.js';
import type { TtsWire, TtsWireEvent } from './wire.js';

/** What the vendor provider supplies. */
export interface MuxSessionOptions {
  readonly vendor: VendorInfo;
  readonly wire: TtsWire;
  readonly audio: AudioSpec;
  /** Open a new authenticated socket. */
  readonly connect: (signal: AbortSignal) => Promise<WebSocket>;
  readonly clock: Clock;
  /** Retries of a reconnect and of a rate-limited context. */
  readonly retry: RetryPolicy;
  /** Idle time before keep-alive messages; 0 disables. */
  readonly keepAliveMs: number;
  /** Contexts the vendor allows at once on one socket (ElevenLabs: 5). */
  readonly maxContexts: number;
  /** Audio buffered per segment for a slow reader; default 120 s worth. */
  readonly segmentCapacityMs?: number;
  /**
   * Limit from a segment's end of input to its first audio, and between two audio chunks;
   * default 10 000 ms. A vendor that goes quiet fails the segment with PROVIDER_TIMEOUT
   * (re-requested once if nothing was delivered yet).
   */
  readonly audioTimeoutMs?: number;
  readonly ctx: TtsOpenOptions;
}

type State = 'open' | 'reconnecting' | 'down' | 'closed';

/** Segments waiting for a free context slot; more is a caller that never reads its segments. */
const MAX_WAITING_SEGMENTS = 64;
/** Longest text one segment may send (a sentence is ~100 characters; this is pages). */
const MAX_SEGMENT_TEXT = 20_000;

/** See the module comment. */
export class MuxTtsSession implements TtsSession {
  readonly audio: AudioSpec;
  readonly #o: MuxSessionOptions;
  readonly #bpms: number;
  readonly #segments = new Map<string, Segment>();
  readonly #abort = new AbortController();
  readonly #idPrefix = randomBytes(4).toString('hex');
  readonly #slotWaiters: (() => void)[] = [];
  #active = 0;
  #ws: WebSocket;
  #state: State = 'open';
  #firstOnSocket = true;
  #counter = 0;
  #lastSentAt: number;
  #keepAlive: TimerHandle | undefined;
  #reconnecting: Promise<void> | undefined;
  #downError: CallwireError | undefined;

  private constructor(o: MuxSessionOptions, ws: WebSocket) {
    this.#o = o;
    this.audio = o.audio;
    this.#bpms = bytesPerMs(o.audio);
    this.#ws = ws;
    this.#lastSentAt = o.clock.now();
    this.#attach(ws);
    this.#scheduleKeepAlive();
    if (o.ctx.signal.aborted) void this.close();
    else o.ctx.signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** Connect (retrying retryable failures) and return the session. */
  static async open(o: MuxSessionOptions): Promise<MuxTtsSession> {
    const ws = await withRetry(() => MuxTtsSession.#timedConnect(o, o.ctx.signal, 1), {
      policy: o.retry,
      clock: o.clock,
      signal: o.ctx.signal,
      cancelled: () => cancelledError(o.vendor),
      onRetry: (attempt, delayMs, e) => o.ctx.onMetric?.({ type: 'retry', kind: 'tts', provider: o.vendor.id, attempt, delayMs, code: e.code }),
    });
    return new MuxTtsSession(o, ws);
  }

  static async #timedConnect(o: MuxSessionOptions, signal: AbortSignal, attempt: number): Promise<WebSocket> {
    const started = o.clock.now();
    const ws = await o.connect(signal);
    o.ctx.onMetric?.({ type: 'connect', kind: 'tts', provider: o.vendor.id, ms: o.clock.now() - started, attempt });
    return ws;
  }

  synthesize(text: string, options: SynthesizeOptions): AsyncIterable<Uint8Array> {
    return this.#speak(text, options.signal, options.onWords);
  }

  synthesizeStream(text: AsyncIterable<string>, options: SynthesizeOptions): AsyncIterable<Uint8Array> {
    return this.#speak(text, options.signal, options.onWords);
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#abort.abort();
    if (this.#keepAlive !== undefined) this.#o.clock.clearTimer(this.#keepAlive);
    for (const seg of this.#segments.values()) this.#finish(seg, undefined);
    this.#segments.clear();
    for (const frame of this.#o.wire.closeSocket()) this.#sendRaw(frame);
    this.#ws.close(1000);
    for (const wake of this.#slotWaiters.splice(0)) wake();
  }

  /** State check that TypeScript does not narrow across awaits (other callbacks change it). */
  #is(state: State): boolean {
    return this.#state === state;
  }

  #metric(m: ProviderMetric): void {
    this.#o.ctx.onMetric?.(m);
  }

  async *#speak(input: string | AsyncIterable<string>, signal: AbortSignal, onWords?: (words: readonly TimedWord[]) => void): AsyncGenerator<Uint8Array> {
    if (this.#state === 'closed') throw new ProviderError('PROVIDER_UNAVAILABLE', this.#o.vendor.id, `${this.#o.vendor.label} session is closed.`);
    if (signal.aborted) return;
    await this.#takeSlot();
    const capacity = Math.round((this.#o.segmentCapacityMs ?? 120_000) * this.#bpms);
    const seg = new Segment(this.#nextId(), capacity, () => this.#cancel(seg));
    seg.onWords = onWords;
    const onAbort = (): void => this.#cancel(seg);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#ensureConnected(signal);
      if (signal.aborted || this.#is('closed')) return;
      this.#segments.set(seg.wireId, seg);
      if (typeof input === 'string') {
        this.#addText(seg, input);
        this.#endInput(seg);
      } else {
        detach(() => this.#pump(seg, input), (e) => seg.queue.fail(e), 'PROVIDER_PROTOCOL');
      }
      for await (const chunk of seg.queue) yield chunk;
    } catch (error) {
      // Barge-in or hang-up while connecting: end quietly, as the interface says.
      if (signal.aborted || this.#is('closed')) return;
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (!seg.finished) this.#cancel(seg);
      this.#releaseSlot();
    }
  }

  async #pump(seg: Segment, input: AsyncIterable<string>): Promise<void> {
    try {
      for await (const piece of input) {
        if (seg.finished) return;
        this.#addText(seg, piece);
      }
      if (!seg.finished) this.#endInput(seg);
    } catch (error) {
      this.#cancel(seg);
      seg.queue.fail(error);
    }
  }

  #nextId(): string {
    return `cw-${this.#idPrefix}-${++this.#counter}`;
  }

  async #takeSlot(): Promise<void> {
    if (this.#active >= this.#o.maxContexts && this.#slotWaiters.length >= MAX_WAITING_SEGMENTS) {
      throw new ProviderError('PROVIDER_QUEUE_FULL', this.#o.vendor.id, `${MAX_WAITING_SEGMENTS} ${this.#o.vendor.label} segments are waiting for a free context; read the segments you started.`);
    }
    while (this.#active >= this.#o.maxContexts && this.#state !== 'closed') {
      await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
    }
    this.#active++;
  }

  #releaseSlot(): void {
    this.#active--;
    this.#slotWaiters.shift()?.();
  }

  async #ensureConnected(signal: AbortSignal): Promise<void> {
    if (this.#state === 'open') return;
    if (this.#state === 'down') detach(() => this.#reconnect(this.#downError), (e) => this.#goDown(e), 'PROVIDER_DISCONNECTED');
    const pending = this.#reconnecting;
    if (pending === undefined) return;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        pending,
        new Promise<void>((_, reject) => {
          onAbort = () => reject(cancelledError(this.#o.vendor));
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
    if (!this.#is('open')) throw this.#downError ?? cancelledError(this.#o.vendor);
  }

  // ------------------------------------------------------------ sending

  #sendRaw(frame: string): void {
    if (this.#ws.readyState !== 1) return;
    this.#ws.send(frame);
    this.#lastSentAt = this.#o.clock.now();
  }

  #sendAll(frames: readonly string[]): void {
    for (const f of frames) this.#sendRaw(f);
  }

  /** Append caller text; send it now if connected (else it goes out on reconnect). */
  #addText(seg: Segment, text: string): void {
    if (text === '') return;
    if (seg.text.length + text.length > MAX_SEGMENT_TEXT) {
      const error = new ProviderError('PROVIDER_BAD_REQUEST', this.#o.vendor.id, `a TTS segment may hold at most ${MAX_SEGMENT_TEXT} characters; split the text into sentences.`);
      this.#cancel(seg);
      seg.queue.fail(error);
      return;
    }
    seg.text += text;
    if (this.#state === 'open') this.#flushText(seg);
  }

  #flushText(seg: Segment): void {
    const text = seg.unsent();
    if (text === '') return;
    seg.firstSentAt ??= this.#o.clock.now();
    if (seg.openedOnWire) this.#sendAll(this.#o.wire.append(seg.wireId, text));
    else {
      this.#sendAll(this.#o.wire.open(seg.wireId, text, this.#firstOnSocket));
      this.#firstOnSocket = false;
      seg.openedOnWire = true;
    }
    seg.sentUpTo += text.length;
  }

  #endInput(seg: Segment): void {
    seg.inputEnded = true;
    if (this.#state === 'open') this.#sendEnd(seg);
  }

  #sendEnd(seg: Segment): void {
    if (seg.endSent) return;
    if (!seg.openedOnWire) {
      // Nothing (left) to say: the segment is complete without a round trip.
      this.#finish(seg, undefined);
      return;
    }
    seg.endSent = true;
    this.#sendAll(this.#o.wire.end(seg.wireId));
    this.#armAudioTimer(seg);
  }

  /** (Re)start the silence watchdog of a segment whose input has ended. */
  #armAudioTimer(seg: Segment): void {
    if (seg.audioTimer !== undefined) this.#o.clock.clearTimer(seg.audioTimer);
    if (seg.finished || !seg.endSent) return;
    const ms = this.#o.audioTimeoutMs ?? 10_000;
    const wireId = seg.wireId;
    seg.audioTimer = this.#o.clock.setTimer(() => {
      seg.audioTimer = undefined;
      if (seg.finished || seg.wireId !== wireId || !this.#is('open')) return;
      if (seg.openedOnWire) this.#sendAll(this.#o.wire.cancel(seg.wireId));
      this.#onContextError(seg, timeoutError(this.#o.vendor, 'send audio for a segment', ms));
    }, ms);
  }

  #cancel(seg: Segment): void {
    if (seg.finished) return;
    if (seg.openedOnWire && this.#state === 'open') this.#sendAll(this.#o.wire.cancel(seg.wireId));
    this.#finish(seg, undefined);
  }

  #finish(seg: Segment, error: unknown): void {
    if (seg.finished) return;
    seg.finished = true;
    if (seg.audioTimer !== undefined) this.#o.clock.clearTimer(seg.audioTimer);
    this.#segments.delete(seg.wireId);
    if (error === undefined) seg.queue.end();
    else seg.queue.fail(error);
  }

  // ------------------------------------------------------------ receiving

  #attach(ws: WebSocket): void {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (ws !== this.#ws) return;
      if (isBinary) {
        for (const ev of this.#o.wire.parseBinary?.(new Uint8Array(data)) ?? []) this.#onEvent(ev);
        return;
      }
      for (const ev of this.#o.wire.parse(data.toString('utf8'))) this.#onEvent(ev);
    });
    ws.on('error', () => {
      // 'close' follows.
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (ws !== this.#ws || this.#state === 'closed') return;
      const error = this.#o.wire.closeError(code, reason.toString('utf8'));
      if (!error.retryable) {
        this.#goDown(error);
        return;
      }
      detach(() => this.#reconnect(error), (e) => this.#goDown(e), 'PROVIDER_DISCONNECTED');
    });
  }

  #onEvent(ev: TtsWireEvent): void {
    switch (ev.type) {
      case 'audio': {
        const seg = this.#segments.get(ev.context);
        if (seg === undefined || seg.finished) return;
        // The chunk starts where this context's audio so far ends (before skipping re-sent bytes).
        if (ev.chars !== undefined && ev.charEndsMs !== undefined) seg.alignChars(ev.chars, ev.charEndsMs, seg.wireBytes / this.#bpms);
        this.#onAudio(seg, ev.bytes, ev.chars);
        return;
      }
      case 'words': {
        const seg = this.#segments.get(ev.context);
        if (seg !== undefined) {
          seg.words.push(...ev.words);
          seg.reportWords(ev.words);
        }
        return;
      }
      case 'done': {
        const seg = this.#segments.get(ev.context);
        if (seg !== undefined) {
          seg.flushWord();
          this.#finish(seg, undefined);
        }
        return;
      }
      case 'error': {
        if (ev.context === undefined) {
          for (const seg of [...this.#segments.values()]) this.#onContextError(seg, ev.error);
          return;
        }
        const seg = this.#segments.get(ev.context);
        if (seg !== undefined) this.#onContextError(seg, ev.error);
        return;
      }
      case 'ignore':
        return;
    }
  }

  #onAudio(seg: Segment, bytes: Uint8Array, chars: string | undefined): void {
    seg.wireBytes += bytes.length;
    this.#armAudioTimer(seg);
    if (chars !== undefined) seg.spoke(chars);
    let out = bytes;
    if (seg.skipBytes > 0) {
      const skip = Math.min(seg.skipBytes, out.length);
      seg.skipBytes -= skip;
      out = out.subarray(skip);
    }
    if (out.length === 0) return;
    if (!seg.firstAudio && seg.firstSentAt !== undefined) {
      seg.firstAudio = true;
      this.#metric({ type: 'ttfb', kind: 'tts', provider: this.#o.vendor.id, ms: this.#o.clock.now() - seg.firstSentAt });
    }
    if (!seg.queue.push(out)) {
      const error = new ProviderError('PROVIDER_QUEUE_FULL', this.#o.vendor.id, `${this.#o.vendor.label} audio for a segment was not read in time; the segment was cancelled.`);
      this.#cancel(seg);
      seg.queue.fail(error);
      return;
    }
    seg.delivered += out.length;
  }

  /** A context failed: a retryable failure before any audio is re-requested after a backoff. */
  #onContextError(seg: Segment, error: ProviderError): void {
    const wait = seg.delivered === 0 ? backoffDelay(seg.retries + 1, error, this.#o.retry) : undefined;
    if (wait === undefined) {
      this.#finish(seg, error);
      return;
    }
    seg.retries++;
    this.#metric({ type: 'retry', kind: 'tts', provider: this.#o.vendor.id, attempt: seg.retries, delayMs: wait, code: error.code });
    this.#segments.delete(seg.wireId);
    this.#o.clock.setTimer(() => {
      if (!seg.finished && this.#state === 'open') this.#restart(seg, seg.base);
      else if (!seg.finished && this.#state !== 'closed') this.#segments.set(seg.wireId, seg);
    }, wait);
  }

  // ------------------------------------------------------------ reconnecting

  #goDown(error: CallwireError): void {
    this.#state = 'down';
    this.#downError = error;
    for (const seg of [...this.#segments.values()]) this.#finish(seg, error);
  }

  #reconnect(error: CallwireError | undefined): Promise<void> {
    if (this.#reconnecting !== undefined) return this.#reconnecting;
    this.#state = 'reconnecting';
    const started = this.#o.clock.now();
    const run = async (): Promise<void> => {
      try {
        const ws = await withRetry((attempt) => MuxTtsSession.#timedConnect(this.#o, this.#abort.signal, attempt), {
          policy: this.#o.retry,
          clock: this.#o.clock,
          signal: this.#abort.signal,
          cancelled: () => cancelledError(this.#o.vendor),
          onRetry: (attempt, delayMs, e) => this.#metric({ type: 'retry', kind: 'tts', provider: this.#o.vendor.id, attempt, delayMs, code: e.code }),
        });
        if (this.#state === 'closed') {
          ws.terminate();
          return;
        }
        this.#ws = ws;
        this.#attach(ws);
        this.#state = 'open';
        this.#firstOnSocket = true;
        this.#downError = undefined;
        const unfinished = [...this.#segments.values()];
        for (const seg of unfinished) this.#resume(seg);
        this.#metric({ type: 'reconnect', kind: 'tts', provider: this.#o.vendor.id, ms: this.#o.clock.now() - started, replayed: unfinished.length });
      } catch (e) {
        if (this.#state === 'closed') return;
        this.#goDown(isCallwireError(e) ? e : (error ?? cancelledError(this.#o.vendor)));
      } finally {
        this.#reconnecting = undefined;
      }
    };
    this.#reconnecting = run();
    return this.#reconnecting;
  }

  /** Re-request what `seg` has not yet spoken on the new socket. */
  #resume(seg: Segment): void {
    const spoken = seg.spokenPosition(this.#bpms);
    if (spoken === undefined) {
      // No timing data: say the whole segment again and drop what the caller already has.
      seg.skipBytes = seg.delivered;
      this.#restart(seg, 0);
      return;
    }
    seg.skipBytes = 0;
    this.#restart(seg, wordStart(seg.text, spoken));
  }

  /** Start a fresh wire context for `seg` from text position `from`. */
  #restart(seg: Segment, from: number): void {
    this.#segments.delete(seg.wireId);
    seg.wireId = this.#nextId();
    seg.base = from;
    seg.sentUpTo = 0;
    seg.openedOnWire = false;
    seg.endSent = false;
    seg.wireBytes = 0;
    seg.words = [];
    // The new context's timings start at the audio already delivered, minus what it will re-send.
    seg.timingBaseMs = (seg.delivered - seg.skipBytes) / this.#bpms;
    seg.pendingWord = undefined;
    seg.spokenPos = undefined;
    this.#segments.set(seg.wireId, seg);
    if (seg.text.slice(from).trim() === '') {
      if (seg.inputEnded) this.#finish(seg, undefined);
      return;
    }
    this.#flushText(seg);
    if (seg.inputEnded) this.#sendEnd(seg);
  }

  // ------------------------------------------------------------ keep-alive

  #scheduleKeepAlive(): void {
    if (this.#o.keepAliveMs <= 0) return;
    this.#keepAlive = this.#o.clock.setTimer(() => {
      if (this.#state === 'open' && this.#o.clock.now() - this.#lastSentAt >= this.#o.keepAliveMs) {
        const waiting = [...this.#segments.values()].filter((s) => s.openedOnWire && !s.inputEnded).map((s) => s.wireId);
        this.#sendAll(this.#o.wire.keepAlive(waiting));
      }
      if (this.#state !== 'closed') this.#scheduleKeepAlive();
    }, this.#o.keepAliveMs / 2);
  }
}
