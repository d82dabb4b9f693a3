/**
 * One live AssemblyAI transcription for one call. Audio is sent in chunks of `chunkMs`
 * (AssemblyAI closes with 3007 on messages outside 50-1000 ms, and Plivo frames are 20 ms).
 * If the socket drops, audio pushed meanwhile is kept and, with everything not yet in a final
 * turn, replayed on a new socket; word times are shifted back to session time so a transcript
 * is neither lost nor repeated (the Deepgram session's approach, sharing its ReplayBuffer).
 */
import type WebSocket from 'ws';
import { detach } from '../../detached.js';
import { type CallwireError, ProviderError, isCallwireError } from '../../errors.js';
import { BoundedQueue } from '../../bounded-queue.js';
import { bytesPerMs, sampleBytes } from '../audio-spec.js';
import { ReplayBuffer } from '../deepgram/replay-buffer.js';
import { cancelledError } from '../net/failure.js';
import { withRetry } from '../net/retry.js';
import type { ProviderMetric, SttEvent, SttOpenOptions, SttSession, SttWord } from '../types.js';
import { type AaiMessage, type AaiWord, parseAaiMessage } from './messages.js';
import { ASSEMBLYAI, type AssemblyAiConfig } from './options.js';
import { closeError } from './close-codes.js';

/** Connects a new socket that has said `Begin`. */
export type AssemblyAiConnector = (signal: AbortSignal, attempt: number) => Promise<WebSocket>;

type State = 'open' | 'reconnecting' | 'closing' | 'closed';

/** See the module comment. */
export class AssemblyAiSession implements SttSession {
  readonly #c: AssemblyAiConfig;
  readonly #ctx: SttOpenOptions;
  readonly #connect: AssemblyAiConnector;
  readonly #events: BoundedQueue<SttEvent>;
  readonly #replay: ReplayBuffer;
  readonly #bpms: number;
  readonly #chunkBytes: number;
  readonly #align: number;
  readonly #abort = new AbortController();
  #ws: WebSocket;
  #state: State = 'open';
  /** Bytes pushed but not yet sent (below one chunk). */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Session byte offset of the first byte sent on the current socket. */
  #connStart = 0;
  /** Session byte offset just past the last byte sent on the current socket. */
  #sentEnd = 0;
  /** Session ms up to which finals were delivered. */
  #finalEndMs = 0;
  /** The turn whose speech start was reported. */
  #startedTurn = -1;
  #lastError = '';
  #overflowWarned = false;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;

  constructor(c: AssemblyAiConfig, ctx: SttOpenOptions, ws: WebSocket, connect: AssemblyAiConnector) {
    this.#c = c;
    this.#ctx = ctx;
    this.#connect = connect;
    this.#bpms = bytesPerMs(ctx.audio);
    const align = sampleBytes(ctx.audio);
    this.#align = align;
    this.#chunkBytes = Math.round((c.chunkMs * this.#bpms) / align) * align;
    this.#replay = new ReplayBuffer(Math.round(c.replayLimitMs * this.#bpms), align);
    this.#events = new BoundedQueue<SttEvent>({
      capacity: c.eventCapacity,
      coalesce: (last, next) => last.type === 'interim' && next.type === 'interim',
      onCancel: () => void this.close(),
    });
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
    const bytes = Uint8Array.from(audio);
    const dropped = this.#replay.append(bytes, this.#c.clock.now());
    if (dropped > 0 && !this.#overflowWarned) {
      this.#overflowWarned = true;
      this.#emit({ type: 'warning', error: new ProviderError('PROVIDER_QUEUE_FULL', ASSEMBLYAI.id, `AssemblyAI replay buffer full (${this.#c.replayLimitMs} ms of un-finalised audio); the oldest audio was dropped.`) });
    }
    if (this.#state !== 'open') return;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= this.#chunkBytes) this.#flush();
  }

  /** ForceEndpoint: end the current turn now (after sending what is held). */
  finalize(): void {
    if (this.#state !== 'open') return;
    this.#flush(true);
    this.#sendJson({ type: 'ForceEndpoint' });
  }

  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    const wasOpen = this.#state === 'open';
    this.#state = 'closing';
    if (wasOpen && !this.#ctx.signal.aborted) {
      // Terminate: AssemblyAI sends in-flight turns, Termination, then closes (1000).
      this.#flush(true);
      this.#sendJson({ type: 'Terminate' });
      const timer = this.#c.clock.setTimer(() => this.#ws.terminate(), this.#c.closeTimeoutMs);
      this.#ws.once('close', () => this.#c.clock.clearTimer(timer));
    } else {
      this.#abort.abort();
      this.#ws.terminate();
      this.#finish(undefined);
    }
    return this.#closed;
  }

  /** Send what is held; `pad` tops a short tail up with silence to the 50 ms minimum. */
  #flush(pad = false): void {
    if (this.#pendingBytes === 0 || this.#ws.readyState !== 1) return;
    const min = Math.ceil(50 * this.#bpms);
    if (this.#pendingBytes < min && !pad) return;
    const out = new Uint8Array(Math.max(this.#pendingBytes, min));
    // Silence: 0xFF in mu-law, 0 in L16.
    if (this.#ctx.audio.encoding === 'mulaw') out.fill(0xff);
    let at = 0;
    for (const p of this.#pending) {
      out.set(p, at);
      at += p.length;
    }
    this.#sentEnd += this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    // A large push (or a replay) goes out as n near-equal pieces of at most chunkMs each,
    // so each stays inside 50-1000 ms (chunkMs is at least 100 ms here by default).
    const n = Math.max(1, Math.ceil(out.length / this.#chunkBytes));
    const size = Math.ceil(out.length / n / this.#align) * this.#align;
    for (let off = 0; off < out.length; off += size) this.#ws.send(out.subarray(off, off + size));
  }

  #finish(error: CallwireError | undefined): void {
    this.#state = 'closed';
    this.#abort.abort();
    if (error === undefined) this.#events.end();
    else this.#events.fail(error);
    this.#resolveClosed?.();
  }

  #emit(event: SttEvent): void {
    if (!this.#events.push(event) && !this.#events.closed) {
      this.#ws.terminate();
      this.#finish(new ProviderError('PROVIDER_QUEUE_FULL', ASSEMBLYAI.id, `STT events were not read: ${this.#c.eventCapacity} are waiting. Consume the session's events.`));
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
      const msg = parseAaiMessage(data.toString('utf8'));
      if (msg !== undefined) this.#onMessage(msg);
    });
    ws.on('error', () => {
      // 'close' follows and decides what to do.
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (ws === this.#ws) this.#onClose(code, this.#lastError || reason.toString('utf8'));
    });
  }

  /** Session ms of a time in ms on the current socket. */
  #sessionMs(ms: number): number {
    return this.#connStart / this.#bpms + ms;
  }

  #words(words: readonly AaiWord[]): SttWord[] {
    return words.map((w) => ({ word: w.text, startMs: this.#sessionMs(w.start), endMs: this.#sessionMs(w.end), confidence: w.confidence }));
  }

  #onMessage(m: AaiMessage): void {
    switch (m.type) {
      case 'Turn':
        this.#onTurn(m);
        return;
      case 'Error':
        this.#lastError = m.error;
        return;
      case 'Begin':
      case 'Termination':
      case 'unknown':
        return;
    }
  }

  #onTurn(m: Extract<AaiMessage, { type: 'Turn' }>): void {
    const first = m.words[0];
    const last = m.words[m.words.length - 1];
    if (first === undefined || last === undefined) return;
    const endMs = this.#sessionMs(last.end);
    // A replayed socket starts where the last final ended; anything ending before is a repeat.
    if (endMs <= this.#finalEndMs + 1) return;
    if (m.turnOrder !== this.#startedTurn) {
      this.#startedTurn = m.turnOrder;
      this.#emit({ type: 'speech_started', audioMs: this.#sessionMs(first.start) });
    }
    const confidence = m.words.reduce((s, w) => s + w.confidence, 0) / m.words.length;
    // With format_turns the unformatted end-of-turn is followed by a formatted one: wait for it.
    if (!m.endOfTurn || (this.#c.formatTurns && !m.formatted)) {
      const text = m.words.map((w) => w.text).join(' ');
      this.#emit({ type: 'interim', text, confidence, words: this.#words(m.words) });
      return;
    }
    const endByte = Math.round(endMs * this.#bpms);
    const pushedAt = this.#replay.pushedAt(Math.min(endByte, this.#replay.end) - 1);
    if (pushedAt !== undefined) this.#metric({ type: 'ttfb', kind: 'stt', provider: ASSEMBLYAI.id, ms: Math.max(0, this.#c.clock.now() - pushedAt) });
    this.#finalEndMs = endMs;
    // The turn ended because silence followed its last word (at least
    // min_end_of_turn_silence_when_confident, vendor default 400 ms): that silence is not
    // replayed either, or the tail of the last word would come back as a new turn.
    const silenceMs = this.#c.minEndOfTurnSilenceWhenConfidentMs ?? 400;
    this.#replay.trimBefore(Math.min(this.#sentEnd, Math.round((endMs + silenceMs) * this.#bpms)));
    this.#emit({ type: 'final', text: m.transcript, confidence, speechFinal: true, words: this.#words(m.words) });
    this.#emit({ type: 'utterance_end', lastWordEndMs: endMs });
  }

  #onClose(code: number, reason: string): void {
    if (this.#state === 'closing') {
      this.#finish(undefined);
      return;
    }
    if (this.#state !== 'open') return;
    this.#lastError = '';
    const error = closeError(this.#c, code, reason, this.#ctx.audio);
    if (!error.retryable) {
      this.#finish(error);
      return;
    }
    detach(() => this.#reconnect(error), (e) => this.#finish(e), 'PROVIDER_DISCONNECTED');
  }

  async #reconnect(error: CallwireError): Promise<void> {
    this.#state = 'reconnecting';
    this.#pending = [];
    this.#pendingBytes = 0;
    const started = this.#c.clock.now();
    this.#emit({ type: 'reconnecting', attempt: 1, error });
    let ws: WebSocket;
    try {
      ws = await withRetry((attempt) => this.#connect(this.#abort.signal, attempt), {
        policy: this.#c.reconnect,
        clock: this.#c.clock,
        signal: this.#abort.signal,
        cancelled: () => cancelledError(ASSEMBLYAI),
        onRetry: (attempt, delayMs, e) => {
          this.#metric({ type: 'retry', kind: 'stt', provider: ASSEMBLYAI.id, attempt, delayMs, code: e.code });
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
    // The new socket's audio time 0 is the first replayed byte. Sent in chunks of at most
    // chunkMs; AssemblyAI documents a real-time rate limit (3007) without a number: a long
    // replay is a burst, which is a known risk here (see README).
    this.#connStart = this.#replay.start;
    this.#sentEnd = this.#replay.start;
    let replayed = 0;
    for (const chunk of this.#replay.pending()) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      replayed += chunk.length;
      if (this.#pendingBytes >= this.#chunkBytes) this.#flush();
    }
    const replayedMs = replayed / this.#bpms;
    this.#metric({ type: 'reconnect', kind: 'stt', provider: ASSEMBLYAI.id, ms: this.#c.clock.now() - started, replayed: replayedMs });
    this.#emit({ type: 'reconnected', replayedMs });
  }
}
