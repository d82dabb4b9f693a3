/**
 * One fake AssemblyAI v3 connection: sends `Begin`, decodes the audio it receives, finds turns
 * by energy and answers like Universal-Streaming
 * (https://www.assemblyai.com/docs/streaming/message-sequence): partial `Turn`s
 * (`end_of_turn: false`, finalised words in `transcript`, word times in ms), an end-of-turn
 * `Turn`, then with `format_turns=true` the formatted one; `ForceEndpoint` ends the turn now;
 * `Terminate` gets in-flight turns, `Termination` and a 1000 close. Audio messages outside
 * 50-1000 ms get an `Error` frame and close 3007, as documented in
 * https://www.assemblyai.com/docs/streaming/common-session-errors-and-closures.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Clock } from '../../clock.js';
import { specToPcm } from '../../providers/audio-spec.js';
import { scriptWords } from './deepgram-wire.js';
import { EnergyDetector, type EnergyDetectorOptions } from './energy-detector.js';
import { isOpen } from './http-host.js';
import { Timeline } from './timeline.js';

/** Settings read from the query string. */
export interface AaiConfig {
  readonly encoding: 'pcm_mulaw' | 'pcm_s16le';
  readonly sampleRate: number;
  readonly formatTurns: boolean;
  readonly endSilenceMs: number;
}

/** Shared by all connections of one fake. */
export interface AaiBehaviour {
  transcriptFor(index: number): string;
  readonly latencyMs: number;
  readonly interimIntervalMs: number;
  readonly msPerWord: number;
  readonly detector: Omit<EnergyDetectorOptions, 'endSilenceMs'>;
  /** Turns whose final reached a client (numbering survives a reconnect). */
  committed: number;
}

/** What the connection reports. */
export interface AaiHooks {
  onSent(message: Record<string, unknown>): void;
  onTurn(t: { index: number; startMs: number; endMs: number; transcript: string }): void;
}

interface Turn {
  readonly index: number;
  readonly startMs: number;
  readonly words: { word: string; punctuated: string }[];
  lastPartialMs: number;
}

/** See the module comment. */
export class AaiConnection {
  readonly #ws: WebSocket;
  readonly #cfg: AaiConfig;
  readonly #b: AaiBehaviour;
  readonly #hooks: AaiHooks;
  readonly #clock: Clock;
  readonly #dropAfterMs: number | undefined;
  readonly #timeline: Timeline;
  readonly #detector: EnergyDetector;
  #leftover: Uint8Array = new Uint8Array(0);
  #turn: Turn | undefined;
  #next: number;
  #closing = false;
  #sendAt = 0;

  constructor(ws: WebSocket, cfg: AaiConfig, b: AaiBehaviour, hooks: AaiHooks, clock: Clock, dropAfterMs: number | undefined) {
    this.#ws = ws;
    this.#cfg = cfg;
    this.#b = b;
    this.#hooks = hooks;
    this.#clock = clock;
    this.#dropAfterMs = dropAfterMs;
    this.#timeline = new Timeline(clock);
    this.#next = b.committed;
    this.#detector = new EnergyDetector(cfg.sampleRate, { ...b.detector, endSilenceMs: cfg.endSilenceMs });
    ws.on('close', () => {
      this.#closing = true;
      this.#timeline.cancel();
    });
    this.#send({ type: 'Begin', id: randomUUID(), expires_at: Math.floor(Date.now() / 1000) + 3 * 3600 });
  }

  /** Handle one client message; returns a log label. */
  onMessage(data: Buffer, isBinary: boolean): { kind: 'audio'; bytes: number } | { kind: 'text'; type: string } {
    if (this.#closing) return isBinary ? { kind: 'audio', bytes: data.length } : { kind: 'text', type: 'ignored-after-close' };
    if (isBinary) {
      this.#audio(data);
      return { kind: 'audio', bytes: data.length };
    }
    let type = 'invalid';
    try {
      const json = JSON.parse(data.toString('utf8')) as { type?: unknown };
      type = typeof json.type === 'string' ? json.type : 'invalid';
    } catch {
      // recorded as invalid
    }
    if (type === 'ForceEndpoint') this.#endTurn(this.#detector.positionMs);
    else if (type === 'Terminate') this.#terminate();
    else if (type !== 'UpdateConfiguration' && type !== 'KeepAlive') this.#fail(3006, `Invalid Message Type: ${type.slice(0, 40)}`);
    return { kind: 'text', type };
  }

  #fail(code: number, error: string): void {
    this.#send({ type: 'Error', error_code: code, error });
    this.#closing = true;
    this.#timeline.at(this.#nextSendTime(), () => {
      if (isOpen(this.#ws)) this.#ws.close(code, error.slice(0, 120));
    });
  }

  #audio(data: Buffer): void {
    const bytesPerMs = (this.#cfg.sampleRate / 1000) * (this.#cfg.encoding === 'pcm_s16le' ? 2 : 1);
    const ms = data.length / bytesPerMs;
    if (ms < 50 || ms > 1000) {
      this.#fail(3007, `Input duration violation: ${Math.round(ms)} ms. Expected between 50 and 1000 ms`);
      return;
    }
    let bytes: Uint8Array = data;
    if (this.#cfg.encoding === 'pcm_s16le') {
      if (this.#leftover.length > 0) bytes = Buffer.concat([this.#leftover, data]);
      const even = bytes.length - (bytes.length % 2);
      this.#leftover = bytes.slice(even);
      bytes = bytes.subarray(0, even);
    }
    const pcm = specToPcm({ encoding: this.#cfg.encoding === 'pcm_mulaw' ? 'mulaw' : 'pcm16', sampleRate: this.#cfg.sampleRate }, bytes);
    for (const ev of this.#detector.push(pcm)) {
      if (ev.type === 'start') {
        const index = this.#next++;
        this.#turn = { index, startMs: ev.atMs, words: scriptWords(this.#b.transcriptFor(index)), lastPartialMs: ev.atMs };
      } else if (ev.type === 'end') this.#endTurn(ev.atMs);
      else if (ev.inSpeech) this.#partial(ev.endMs);
    }
    if (this.#dropAfterMs !== undefined && this.#detector.positionMs >= this.#dropAfterMs) {
      this.#closing = true;
      this.#timeline.cancel();
      this.#ws.terminate();
    }
  }

  #wordsJson(t: Turn, shown: number, endMs: number, allFinal: boolean, formatted: boolean): Record<string, unknown>[] {
    const per = Math.max(1, (endMs - t.startMs) / Math.max(1, shown));
    return t.words.slice(0, shown).map((w, i) => ({
      start: Math.round(t.startMs + i * per),
      end: Math.round(t.startMs + (i + 1) * per - Math.min(40, per / 4)),
      text: formatted ? w.punctuated : w.word,
      confidence: 0.97,
      word_is_final: allFinal || i < shown - 1,
    }));
  }

  #turnMessage(t: Turn, words: Record<string, unknown>[], endOfTurn: boolean, formatted: boolean): Record<string, unknown> {
    const final = words.filter((w) => w.word_is_final === true).map((w) => w.text);
    return { type: 'Turn', turn_order: t.index, turn_is_formatted: formatted, end_of_turn: endOfTurn, transcript: final.join(' '), end_of_turn_confidence: endOfTurn ? 0.9 : 0.02, words, utterance: '' };
  }

  #partial(endMs: number): void {
    const t = this.#turn;
    if (t === undefined || endMs - t.lastPartialMs < this.#b.interimIntervalMs) return;
    t.lastPartialMs = endMs;
    const shown = Math.min(t.words.length, Math.floor((endMs - t.startMs) / this.#b.msPerWord) + 1);
    if (shown > 0) this.#send(this.#turnMessage(t, this.#wordsJson(t, shown, t.startMs + shown * this.#b.msPerWord, false, false), false, false));
  }

  #endTurn(atMs: number): void {
    const t = this.#turn;
    if (t === undefined) return;
    this.#turn = undefined;
    const n = t.words.length;
    const transcript = t.words.map((w) => w.punctuated).join(' ');
    this.#hooks.onTurn({ index: t.index, startMs: t.startMs, endMs: atMs, transcript });
    const commit = (): void => {
      this.#b.committed = Math.max(this.#b.committed, t.index + 1);
    };
    this.#send(this.#turnMessage(t, this.#wordsJson(t, n, atMs, true, false), true, false), this.#cfg.formatTurns ? undefined : commit);
    if (this.#cfg.formatTurns) this.#send(this.#turnMessage(t, this.#wordsJson(t, n, atMs, true, true), true, true), commit);
  }

  #terminate(): void {
    this.#endTurn(this.#detector.positionMs);
    this.#closing = true;
    // Termination's other fields were not found in the docs read: only `type` is sent.
    this.#send({ type: 'Termination' });
    this.#timeline.at(this.#nextSendTime(), () => {
      if (isOpen(this.#ws)) this.#ws.close(1000);
    });
  }

  #nextSendTime(): number {
    const now = this.#clock.now();
    this.#sendAt = Math.max(this.#sendAt, now + this.#b.latencyMs);
    return this.#sendAt - now;
  }

  #send(message: Record<string, unknown>, onSent?: () => void): void {
    this.#timeline.at(this.#nextSendTime(), () => {
      if (!isOpen(this.#ws)) return;
      this.#ws.send(JSON.stringify(message));
      this.#hooks.onSent(message);
      onSent?.();
    });
  }
}
