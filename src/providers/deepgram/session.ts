/**
 * One live Deepgram transcription for one call. The socket opens at stream start and stays
 * for the call (KeepAlive while no audio flows). If it drops, audio pushed meanwhile is
 * buffered and, with everything not yet finalised, replayed on a new socket; results are
 * shifted back to session time so a transcript is neither lost nor repeated. The reconnect
 * and replay are the shared ReconnectingSttSession; Deepgram adds KeepAlive and stall detection.
 */
import type WebSocket from 'ws';
import type { TimerHandle } from '../../clock.js';
import { ProviderError } from '../../errors.js';
import { ReconnectingSttSession, type SttCloseVerdict, type SttConnector } from '../net/reconnecting-stt.js';
import type { SttOpenOptions, SttWord } from '../types.js';
import { DEEPGRAM, type DeepgramConfig } from './options.js';
import { type DeepgramMessage, type DeepgramWord, parseDeepgramMessage } from './messages.js';

/** Connects a new socket (the provider supplies handshake, headers and URL). */
export type DeepgramConnector = SttConnector;

/** Audio that a stalled socket may hold before it is treated as dead (and reconnected). */
const MAX_STALLED_MS = 10_000;

/** See the module comment. */
export class DeepgramSession extends ReconnectingSttSession {
  readonly #dc: DeepgramConfig;
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

  constructor(c: DeepgramConfig, ctx: SttOpenOptions, ws: WebSocket, connect: DeepgramConnector) {
    super({ vendor: DEEPGRAM, unsentAudio: 'un-finalised audio', coalesceInterims: true }, c, ctx, ws, connect);
    this.#dc = c;
    this.#lastSentAt = c.clock.now();
    this.#lastHeardAt = c.clock.now();
    this.#scheduleKeepAlive();
    this.start();
  }

  finalize(): void {
    if (this.state === 'open') this.#control({ type: 'Finalize' });
    else if (this.state === 'reconnecting') this.#pendingFinalize = true;
  }

  protected sendAudio(bytes: Uint8Array): void {
    if (this.ws.bufferedAmount > MAX_STALLED_MS * this.bpms) {
      // A socket that cannot drain 10 s of audio is dead in all but name: reconnect.
      this.ws.terminate();
      return;
    }
    this.#send(bytes);
  }

  protected closeOpen(): boolean {
    // CloseStream: Deepgram sends what it still has, a Metadata summary, then closes.
    this.#control({ type: 'CloseStream' });
    this.closeAfterTimeout(() => this.ws.terminate());
    return true;
  }

  protected override onStop(): void {
    if (this.#keepAlive !== undefined) this.c.clock.clearTimer(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  protected override onAttach(): void {
    this.#lastHeardAt = this.c.clock.now();
    this.#bytesSinceHeard = 0;
  }

  protected onText(text: string): void {
    this.#lastHeardAt = this.c.clock.now();
    this.#bytesSinceHeard = 0;
    const msg = parseDeepgramMessage(text);
    if (msg !== undefined) this.#onMessage(msg);
  }

  protected sendReplayed(chunk: Uint8Array): void {
    this.#send(chunk);
  }

  protected override beforeReplay(): void {
    // The new socket's audio time 0 is the first replayed byte.
    this.#connStart = this.replay.start;
  }

  protected override afterReplay(): void {
    if (this.#pendingFinalize) {
      this.#pendingFinalize = false;
      this.#control({ type: 'Finalize' });
    }
  }

  protected closeVerdict(code: number, reason: string): SttCloseVerdict {
    // https://developers.deepgram.com/docs/stt-troubleshooting-websocket-data-and-net-errors:
    // DATA-0000 (1008/1002) means the audio cannot be decoded: retrying the same audio cannot help.
    if (reason.includes('DATA-0000') || code === 1002 || code === 1003 || code === 1007) {
      const error = new ProviderError(
        'PROVIDER_BAD_REQUEST',
        DEEPGRAM.id,
        `Deepgram could not decode the audio (close ${code} ${reason.slice(0, 80)}): the pushed bytes must match encoding=${this.ctx.audio.encoding} at ${this.ctx.audio.sampleRate} Hz.`,
        { details: { closeCode: code } },
      );
      return { error, retry: false };
    }
    const stalled = this.#stalled;
    this.#stalled = false;
    const error = stalled
      ? new ProviderError('PROVIDER_TIMEOUT', DEEPGRAM.id, `Deepgram sent nothing for ${this.#dc.stallTimeoutMs} ms while audio flowed; reconnecting.`, { details: { timeoutMs: this.#dc.stallTimeoutMs } })
      : new ProviderError('PROVIDER_DISCONNECTED', DEEPGRAM.id, `Deepgram closed the stream (${code}${reason === '' ? '' : ` ${reason.slice(0, 80)}`}); reconnecting.`, {
          details: { closeCode: code },
        });
    return { error, retry: true };
  }

  #send(bytes: Uint8Array): void {
    this.ws.send(bytes);
    this.#lastSentAt = this.c.clock.now();
    this.#bytesSinceHeard += bytes.length;
  }

  #control(msg: Record<string, unknown>): void {
    if (this.sendJson(msg)) this.#lastSentAt = this.c.clock.now();
  }

  #scheduleKeepAlive(): void {
    const every = Math.max(100, this.#dc.keepAliveMs / 2);
    this.#keepAlive = this.c.clock.setTimer(() => {
      if (this.state === 'open' && this.c.clock.now() - this.#lastSentAt >= this.#dc.keepAliveMs) this.#control({ type: 'KeepAlive' });
      if (this.state === 'open') this.#checkStall();
      if (this.state === 'open' || this.state === 'reconnecting') this.#scheduleKeepAlive();
    }, every);
  }

  /**
   * A hung server: open, reading, answering nothing. Judged only while audio flows (at least
   * half the window's worth went out since the last message), so a quiet line is not a stall.
   */
  #checkStall(): void {
    const limit = this.#dc.stallTimeoutMs;
    if (limit <= 0 || this.c.clock.now() - this.#lastHeardAt < limit || this.#bytesSinceHeard < (limit / 2) * this.bpms) return;
    this.#stalled = true;
    this.ws.terminate();
  }

  /** Session ms of a time in seconds on the current socket. */
  #sessionMs(seconds: number): number {
    return this.#connStart / this.bpms + seconds * 1000;
  }

  #words(words: readonly DeepgramWord[]): SttWord[] {
    return words.map((w) => ({ word: w.word, startMs: this.#sessionMs(w.start), endMs: this.#sessionMs(w.end), confidence: w.confidence }));
  }

  #onMessage(m: DeepgramMessage): void {
    switch (m.type) {
      case 'Results': {
        const endMs = this.#sessionMs(m.start + m.duration);
        if (!m.isFinal) {
          if (m.transcript !== '' && endMs > this.#finalEndMs) this.emit({ type: 'interim', text: m.transcript, confidence: m.confidence, words: this.#words(m.words) });
          return;
        }
        this.#onFinal(m, endMs);
        return;
      }
      case 'SpeechStarted':
        this.emit({ type: 'speech_started', audioMs: this.#sessionMs(m.timestamp) });
        return;
      case 'UtteranceEnd':
        this.emit({ type: 'utterance_end', lastWordEndMs: m.lastWordEnd === undefined ? undefined : this.#sessionMs(m.lastWordEnd) });
        return;
      case 'Metadata':
      case 'unknown':
        return;
    }
  }

  #onFinal(m: Extract<DeepgramMessage, { type: 'Results' }>, endMs: number): void {
    // A replayed socket starts where the last final ended; anything ending before is a repeat.
    if (endMs <= this.#finalEndMs + 1 && m.transcript !== '') return;
    const endByte = Math.round((endMs * this.bpms) / this.align) * this.align;
    if (m.transcript !== '') {
      // The last byte the final covers was pushed at `pushedAt`; the lag is from then to now.
      const pushedAt = this.replay.pushedAt(Math.min(endByte, this.replay.end) - 1);
      if (pushedAt !== undefined) this.metric({ type: 'ttfb', kind: 'stt', provider: DEEPGRAM.id, ms: Math.max(0, this.c.clock.now() - pushedAt) });
    }
    this.#finalEndMs = Math.max(this.#finalEndMs, endMs);
    this.replay.trimBefore(endByte);
    // Empty finals arrive during silence; only an empty speech_final closing an open utterance matters.
    if (m.transcript === '' && !(m.speechFinal && this.#utteranceOpen)) return;
    this.#utteranceOpen = m.transcript !== '' && !m.speechFinal;
    this.emit({ type: 'final', text: m.transcript, confidence: m.confidence, speechFinal: m.speechFinal, words: this.#words(m.words) });
  }
}
