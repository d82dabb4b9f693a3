/**
 * One fake `/v1/listen` connection: decodes the audio it receives, finds utterances by energy,
 * and answers with scripted transcripts the way Deepgram's live API does. Interim results
 * while speech continues; a final with `speech_final: true` after `endpointing` ms of silence;
 * `SpeechStarted`/`UtteranceEnd` when enabled; `Finalize`, `KeepAlive`, `CloseStream` handled;
 * closes with 1011 NET-0001 after 10 s without data. Times are audio time of this connection.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Clock } from '../../clock.js';
import { specToPcm } from '../../providers/audio-spec.js';
import { type EnergyDetectorOptions, EnergyDetector } from './energy-detector.js';
import { type FakeWord, metadataMessage, resultsMessage, scriptWords, speechStartedMessage, utteranceEndMessage } from './deepgram-wire.js';
import { isOpen } from './http-host.js';
import { Timeline } from './timeline.js';

/** Recognition settings read from the connection's query string. */
export interface ListenConfig {
  readonly encoding: 'mulaw' | 'linear16';
  readonly sampleRate: number;
  readonly interimResults: boolean;
  /** Silence that ends an utterance (Deepgram's default is 10 ms); false disables. */
  readonly endpointingMs: number | false;
  readonly utteranceEndMs: number | undefined;
  readonly vadEvents: boolean;
  readonly punctuate: boolean;
  /** The `tag` parameter; utterances are numbered per tag across reconnections. */
  readonly tag: string;
}

/** How the fake behaves (shared by every connection of one fake). */
export interface ListenBehaviour {
  /** Transcript of utterance `index` (0-based) of the session `tag`. */
  transcriptFor(index: number, tag: string): string;
  /** Delay from the audio that triggers a message to sending it. */
  readonly latencyMs: number;
  /** Audio between two interim results. */
  readonly interimIntervalMs: number;
  /** Speech time per word when revealing interim words. */
  readonly msPerWord: number;
  /** Close with 1011 NET-0001 after this long without audio or KeepAlive. */
  readonly idleTimeoutMs: number;
  /** Empty final results every this much silent audio (as Deepgram sends); 0 disables. */
  readonly silenceFinalMs: number;
  readonly detector: Omit<EnergyDetectorOptions, 'endSilenceMs'>;
}

/** Utterance numbering shared by the connections of one session (tag). */
export interface SessionCounter {
  /** Utterances whose final was sent. */
  committed: number;
}

/** What the connection reports to the fake's logs. */
export interface ListenHooks {
  onSent(message: Record<string, unknown>): void;
  onUtterance(u: { index: number; startMs: number; endMs: number; transcript: string }): void;
}

/** Scripted faults for this connection. */
export interface ListenFault {
  /** Abruptly destroy the socket once this much audio arrived. */
  readonly dropAfterAudioMs?: number;
  /** Close with this code and reason once this much audio arrived. */
  readonly closeAfterAudioMs?: { readonly audioMs: number; readonly code: number; readonly reason: string };
  /** Go silent once this much audio arrived: keep reading, send nothing (a hung server). */
  readonly stallAfterAudioMs?: number;
}

interface Segment {
  readonly index: number;
  readonly startMs: number;
  readonly words: { word: string; punctuated: string }[];
  /** Words already sent in a final (by Finalize or a forced final). */
  delivered: number;
  lastInterimMs: number;
}

/** See the module comment. */
export class ListenConnection {
  readonly requestId = randomUUID();
  readonly #ws: WebSocket;
  readonly #cfg: ListenConfig;
  readonly #b: ListenBehaviour;
  readonly #session: SessionCounter;
  readonly #hooks: ListenHooks;
  readonly #clock: Clock;
  readonly #fault: ListenFault;
  readonly #timeline: Timeline;
  readonly #detector: EnergyDetector;
  readonly #hash = createHash('sha256');
  #leftover: Uint8Array = new Uint8Array(0);
  #segment: Segment | undefined;
  #nextIndex: number;
  #resultStartMs = 0;
  #lastResultMs = 0;
  #lastWordEndMs: number | undefined;
  #utteranceEndSent = true;
  #idle: ReturnType<Clock['setTimer']> | undefined;
  #closing = false;
  /** Offset added to send times so messages never overtake each other. */
  #sendAt = 0;
  #stalled = false;

  constructor(ws: WebSocket, cfg: ListenConfig, b: ListenBehaviour, session: SessionCounter, hooks: ListenHooks, clock: Clock, fault: ListenFault) {
    this.#ws = ws;
    this.#cfg = cfg;
    this.#b = b;
    this.#session = session;
    this.#hooks = hooks;
    this.#clock = clock;
    this.#fault = fault;
    this.#timeline = new Timeline(clock);
    this.#nextIndex = session.committed;
    // Deepgram uses 10 ms when endpointing is not given; "false" only disables speech_final,
    // so segments still need an end: use 500 ms of silence internally.
    this.#detector = new EnergyDetector(cfg.sampleRate, { ...b.detector, endSilenceMs: cfg.endpointingMs === false ? 500 : Math.max(10, cfg.endpointingMs) });
    this.#armIdle();
    ws.on('close', () => this.#stop());
  }

  /** Audio received so far, ms. */
  get audioMs(): number {
    return this.#detector.positionMs;
  }

  /** Handle one client message. Returns a log label. */
  onMessage(data: Buffer, isBinary: boolean): { kind: 'audio'; bytes: number } | { kind: 'text'; type: string } {
    if (this.#closing) return isBinary ? { kind: 'audio', bytes: data.length } : { kind: 'text', type: 'ignored-after-close' };
    this.#armIdle();
    if (isBinary) {
      // Deepgram's docs warn that an empty binary frame closes the stream unexpectedly.
      if (data.length === 0) this.#closeStream();
      else this.#audio(data);
      return { kind: 'audio', bytes: data.length };
    }
    let type = 'invalid';
    try {
      const json = JSON.parse(data.toString('utf8')) as { type?: unknown };
      type = typeof json.type === 'string' ? json.type : 'invalid';
    } catch {
      // recorded as 'invalid' below
    }
    if (type === 'Finalize') this.#finalize(true);
    else if (type === 'CloseStream') this.#closeStream();
    return { kind: 'text', type };
  }

  #armIdle(): void {
    if (this.#idle !== undefined) this.#clock.clearTimer(this.#idle);
    this.#idle = this.#clock.setTimer(() => {
      if (isOpen(this.#ws)) this.#ws.close(1011, 'NET-0001');
    }, this.#b.idleTimeoutMs);
  }

  #stop(): void {
    this.#closing = true;
    this.#timeline.cancel();
    if (this.#idle !== undefined) this.#clock.clearTimer(this.#idle);
  }

  #audio(data: Buffer): void {
    this.#hash.update(data);
    let bytes: Uint8Array = data;
    if (this.#cfg.encoding === 'linear16') {
      if (this.#leftover.length > 0) bytes = Buffer.concat([this.#leftover, data]);
      const even = bytes.length - (bytes.length % 2);
      this.#leftover = bytes.slice(even);
      bytes = bytes.subarray(0, even);
    }
    const pcm = specToPcm({ encoding: this.#cfg.encoding === 'mulaw' ? 'mulaw' : 'pcm16', sampleRate: this.#cfg.sampleRate }, bytes);
    for (const ev of this.#detector.push(pcm)) {
      switch (ev.type) {
        case 'start':
          this.#speechStart(ev.atMs);
          break;
        case 'end':
          this.#speechEnd(ev.atMs);
          break;
        case 'frame':
          this.#frame(ev.endMs, ev.inSpeech);
          break;
      }
    }
    this.#checkFaults();
  }

  #checkFaults(): void {
    const pos = this.audioMs;
    if (this.#fault.stallAfterAudioMs !== undefined && pos >= this.#fault.stallAfterAudioMs) this.#stalled = true;
    if (this.#fault.dropAfterAudioMs !== undefined && pos >= this.#fault.dropAfterAudioMs) {
      this.#stop();
      this.#ws.terminate();
    } else if (this.#fault.closeAfterAudioMs !== undefined && pos >= this.#fault.closeAfterAudioMs.audioMs && isOpen(this.#ws)) {
      this.#stop();
      this.#ws.close(this.#fault.closeAfterAudioMs.code, this.#fault.closeAfterAudioMs.reason);
    }
  }

  #speechStart(atMs: number): void {
    const index = this.#nextIndex++;
    const transcript = this.#b.transcriptFor(index, this.#cfg.tag);
    this.#segment = { index, startMs: atMs, words: scriptWords(transcript), delivered: 0, lastInterimMs: atMs };
    this.#utteranceEndSent = false;
    if (this.#cfg.vadEvents) this.#send(speechStartedMessage(atMs));
  }

  #frame(endMs: number, inSpeech: boolean): void {
    const seg = this.#segment;
    if (seg !== undefined && inSpeech && this.#cfg.interimResults && endMs - seg.lastInterimMs >= this.#b.interimIntervalMs) {
      seg.lastInterimMs = endMs;
      const shown = Math.min(seg.words.length, Math.floor((endMs - seg.startMs) / this.#b.msPerWord) + 1);
      const words = this.#timeWords(seg, seg.delivered, shown, seg.startMs, seg.startMs + shown * this.#b.msPerWord);
      if (words.length > 0) this.#results(endMs, false, false, false, words);
    }
    // UtteranceEnd: a gap of utterance_end_ms after the last word, measured in audio.
    if (this.#cfg.utteranceEndMs !== undefined && !this.#utteranceEndSent && this.#lastWordEndMs !== undefined && seg === undefined) {
      if (endMs - this.#lastWordEndMs >= this.#cfg.utteranceEndMs) {
        this.#utteranceEndSent = true;
        this.#send(utteranceEndMessage(this.#lastWordEndMs));
      }
    }
    if (seg === undefined && this.#b.silenceFinalMs > 0 && endMs - this.#lastResultMs >= this.#b.silenceFinalMs) {
      this.#results(endMs, true, false, false, []);
    }
  }

  #speechEnd(atMs: number): void {
    const seg = this.#segment;
    if (seg === undefined) return;
    this.#segment = undefined;
    const trigger = this.audioMs;
    const words = this.#timeWords(seg, seg.delivered, seg.words.length, seg.startMs, atMs);
    this.#commit(seg, atMs);
    this.#results(trigger, true, this.#cfg.endpointingMs !== false, false, words, seg.index);
  }

  /** Finalize (or CloseStream): flush the current utterance as a final. */
  #finalize(fromFinalize: boolean): void {
    const seg = this.#segment;
    const pos = this.audioMs;
    if (seg === undefined) {
      if (fromFinalize) this.#results(pos, true, false, true, []);
      return;
    }
    const words = this.#timeWords(seg, seg.delivered, seg.words.length, seg.startMs, pos);
    seg.delivered = seg.words.length;
    this.#commit(seg, pos);
    this.#results(pos, true, false, fromFinalize, words, seg.index);
  }

  #commit(seg: Segment, endMs: number): void {
    const transcript = seg.words.map((w) => w.punctuated).join(' ');
    this.#hooks.onUtterance({ index: seg.index, startMs: seg.startMs, endMs, transcript });
  }

  #closeStream(): void {
    if (this.#closing) return;
    this.#finalize(false);
    this.#closing = true;
    this.#send(metadataMessage(this.requestId, this.#hash.digest('hex'), this.audioMs));
    const at = this.#nextSendTime();
    this.#timeline.at(at, () => {
      if (isOpen(this.#ws)) this.#ws.close(1000);
    });
  }

  /** Words `from..to` of the segment, spread evenly over [startMs, endMs]. */
  #timeWords(seg: Segment, from: number, to: number, startMs: number, endMs: number): FakeWord[] {
    const n = seg.words.length;
    const span = Math.max(1, endMs - startMs);
    const per = n === 0 ? 0 : span / Math.max(n, to);
    const out: FakeWord[] = [];
    for (let i = from; i < to; i++) {
      const w = seg.words[i];
      if (w === undefined) break;
      out.push({ word: w.word, punctuated: w.punctuated, startMs: startMs + i * per, endMs: startMs + (i + 1) * per - Math.min(40, per / 4) });
    }
    return out;
  }

  #results(atMs: number, isFinal: boolean, speechFinal: boolean, fromFinalize: boolean, words: FakeWord[], commitIndex?: number): void {
    const msg = resultsMessage({
      requestId: this.requestId,
      startMs: this.#resultStartMs,
      durationMs: atMs - this.#resultStartMs,
      isFinal,
      speechFinal,
      fromFinalize,
      words,
      punctuate: this.#cfg.punctuate,
    });
    this.#lastResultMs = atMs;
    if (isFinal) {
      this.#resultStartMs = atMs;
      const last = words[words.length - 1];
      if (last !== undefined) this.#lastWordEndMs = last.endMs;
    }
    this.#send(msg, () => {
      // An utterance counts as transcribed only once its final reached the client, so a
      // client that reconnects and replays un-finalised audio gets the same transcript again.
      if (commitIndex !== undefined && words.length > 0) this.#session.committed = Math.max(this.#session.committed, commitIndex + 1);
    });
  }

  #nextSendTime(): number {
    const now = this.#clock.now();
    this.#sendAt = Math.max(this.#sendAt, now + this.#b.latencyMs);
    return this.#sendAt - now;
  }

  #send(message: Record<string, unknown>, onSent?: () => void): void {
    this.#timeline.at(this.#nextSendTime(), () => {
      if (!isOpen(this.#ws) || this.#stalled) return;
      this.#ws.send(JSON.stringify(message));
      this.#hooks.onSent(message);
      onSent?.();
    });
  }
}
