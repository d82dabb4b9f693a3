/**
 * One live AssemblyAI transcription for one call. Audio is sent in chunks of `chunkMs`
 * (AssemblyAI closes with 3007 on messages outside 50-1000 ms, and Plivo frames are 20 ms).
 * If the socket drops, audio pushed meanwhile is kept and, with everything not yet in a final
 * turn, replayed on a new socket; word times are shifted back to session time so a transcript
 * is neither lost nor repeated (the shared ReconnectingSttSession does the reconnect and replay).
 */
import type WebSocket from 'ws';
import { ReconnectingSttSession, type SttCloseVerdict, type SttConnector } from '../net/reconnecting-stt.js';
import type { SttOpenOptions, SttWord } from '../types.js';
import { type AaiMessage, type AaiWord, parseAaiMessage } from './messages.js';
import { ASSEMBLYAI, type AssemblyAiConfig } from './options.js';
import { closeError } from './close-codes.js';

/** Connects a new socket that has said `Begin`. */
export type AssemblyAiConnector = SttConnector;

/** See the module comment. */
export class AssemblyAiSession extends ReconnectingSttSession {
  readonly #ac: AssemblyAiConfig;
  readonly #chunkBytes: number;
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

  constructor(c: AssemblyAiConfig, ctx: SttOpenOptions, ws: WebSocket, connect: AssemblyAiConnector) {
    super({ vendor: ASSEMBLYAI, unsentAudio: 'un-finalised audio', coalesceInterims: true }, c, ctx, ws, connect);
    this.#ac = c;
    this.#chunkBytes = Math.round((c.chunkMs * this.bpms) / this.align) * this.align;
    this.start();
  }

  /** ForceEndpoint: end the current turn now (after sending what is held). */
  finalize(): void {
    if (this.state !== 'open') return;
    this.#flush(true);
    this.sendJson({ type: 'ForceEndpoint' });
  }

  protected sendAudio(bytes: Uint8Array): void {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= this.#chunkBytes) this.#flush();
  }

  protected closeOpen(): boolean {
    // Terminate: AssemblyAI sends in-flight turns, Termination, then closes (1000).
    this.#flush(true);
    this.sendJson({ type: 'Terminate' });
    this.closeAfterTimeout(() => this.ws.terminate());
    return true;
  }

  protected onText(text: string): void {
    const msg = parseAaiMessage(text);
    if (msg !== undefined) this.#onMessage(msg);
  }

  protected closeVerdict(code: number, reason: string): SttCloseVerdict {
    // An Error message before the close says more than the close reason.
    const said = this.#lastError || reason;
    this.#lastError = '';
    const error = closeError(this.#ac, code, said, this.ctx.audio);
    return { error, retry: error.retryable };
  }

  protected override onReconnecting(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  protected override beforeReplay(): void {
    // The new socket's audio time 0 is the first replayed byte. Sent in chunks of at most
    // chunkMs; AssemblyAI documents a real-time rate limit (3007) without a number: a long
    // replay is a burst, which is a known risk here (see README).
    this.#connStart = this.replay.start;
    this.#sentEnd = this.replay.start;
  }

  protected sendReplayed(chunk: Uint8Array): void {
    this.sendAudio(chunk);
  }

  /** Send what is held; `pad` tops a short tail up with silence to the 50 ms minimum. */
  #flush(pad = false): void {
    if (this.#pendingBytes === 0 || this.ws.readyState !== 1) return;
    const min = Math.ceil(50 * this.bpms);
    if (this.#pendingBytes < min && !pad) return;
    const out = new Uint8Array(Math.max(this.#pendingBytes, min));
    // Silence: 0xFF in mu-law, 0 in L16.
    if (this.ctx.audio.encoding === 'mulaw') out.fill(0xff);
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
    const size = Math.ceil(out.length / n / this.align) * this.align;
    for (let off = 0; off < out.length; off += size) this.ws.send(out.subarray(off, off + size));
  }

  /** Session ms of a time in ms on the current socket. */
  #sessionMs(ms: number): number {
    return this.#connStart / this.bpms + ms;
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
      this.emit({ type: 'speech_started', audioMs: this.#sessionMs(first.start) });
    }
    const confidence = m.words.reduce((s, w) => s + w.confidence, 0) / m.words.length;
    // With format_turns the unformatted end-of-turn is followed by a formatted one: wait for it.
    if (!m.endOfTurn || (this.#ac.formatTurns && !m.formatted)) {
      const text = m.words.map((w) => w.text).join(' ');
      this.emit({ type: 'interim', text, confidence, words: this.#words(m.words) });
      return;
    }
    const endByte = Math.round(endMs * this.bpms);
    const pushedAt = this.replay.pushedAt(Math.min(endByte, this.replay.end) - 1);
    if (pushedAt !== undefined) this.metric({ type: 'ttfb', kind: 'stt', provider: ASSEMBLYAI.id, ms: Math.max(0, this.c.clock.now() - pushedAt) });
    this.#finalEndMs = endMs;
    // The turn ended because silence followed its last word (at least
    // min_end_of_turn_silence_when_confident, vendor default 400 ms): that silence is not
    // replayed either, or the tail of the last word would come back as a new turn.
    const silenceMs = this.#ac.minEndOfTurnSilenceWhenConfidentMs ?? 400;
    this.replay.trimBefore(Math.min(this.#sentEnd, Math.round((endMs + silenceMs) * this.bpms)));
    this.emit({ type: 'final', text: m.transcript, confidence, speechFinal: true, words: this.#words(m.words) });
    this.emit({ type: 'utterance_end', lastWordEndMs: endMs });
  }
}
