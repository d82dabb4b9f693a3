/**
 * One live Sarvam transcription for one call. The socket opens at stream start and stays for
 * the call. If it drops, audio pushed meanwhile is buffered and, with everything not yet
 * transcribed, replayed on a new socket, so no utterance is lost (the shared
 * ReconnectingSttSession does the reconnect and replay). Sarvam sends no word timings, so
 * "transcribed" is judged by message order: a transcript covers the audio up to the
 * END_SPEECH before it (or, after a flush, all audio pushed before it arrived).
 */
import type WebSocket from 'ws';
import { ProviderError } from '../../errors.js';
import { ReconnectingSttSession, type SttCloseVerdict, type SttConnector } from '../net/reconnecting-stt.js';
import type { SttOpenOptions } from '../types.js';
import { SARVAM_STT, type SarvamSttConfig } from './options.js';
import { type SarvamSttMessage, parseSarvamSttMessage, sarvamAudioMessage } from './stt-messages.js';

/** Connects a new socket (the provider supplies handshake, headers and URL). */
export type SarvamConnector = SttConnector;

/** Audio a socket may hold unsent before it is treated as dead (and reconnected). */
const MAX_STALLED_MS = 10_000;

/** See the module comment. */
export class SarvamSttSession extends ReconnectingSttSession {
  /** Speech started and its transcript has not arrived yet. */
  #inUtterance = false;
  /** Session offset at the last END_SPEECH not yet followed by a transcript. */
  #speechEndAt: number | undefined;
  #pendingFlush = false;

  constructor(c: SarvamSttConfig, ctx: SttOpenOptions, ws: WebSocket, connect: SarvamConnector) {
    // No interim events, so nothing to coalesce.
    super({ vendor: SARVAM_STT, unsentAudio: 'untranscribed audio', coalesceInterims: false }, c, ctx, ws, connect);
    this.start();
  }

  finalize(): void {
    if (this.state === 'open') this.sendJson({ type: 'flush' });
    else if (this.state === 'reconnecting') this.#pendingFlush = true;
  }

  protected sendAudio(bytes: Uint8Array): void {
    if (this.ws.bufferedAmount > MAX_STALLED_MS * this.bpms * 1.4) {
      // Base64 in JSON is ~1.37x the audio; a socket that cannot drain 10 s of it is dead: reconnect.
      this.ws.terminate();
      return;
    }
    this.ws.send(sarvamAudioMessage(bytes, this.ctx.audio.sampleRate));
  }

  protected closeOpen(): boolean {
    if (!this.#inUtterance) {
      this.ws.close(1000);
      return false;
    }
    // An utterance is open: flush, and close once its transcript arrives (or the timer fires).
    this.sendJson({ type: 'flush' });
    this.closeAfterTimeout(() => this.ws.close(1000));
    return true;
  }

  protected onText(text: string): void {
    const msg = parseSarvamSttMessage(text);
    if (msg !== undefined) this.#onMessage(msg);
  }

  protected closeVerdict(code: number, reason: string): SttCloseVerdict {
    const error = new ProviderError('PROVIDER_DISCONNECTED', SARVAM_STT.id, `Sarvam closed the stream (${code}${reason === '' ? '' : ` ${reason.slice(0, 80)}`}); reconnecting.`, {
      details: { closeCode: code },
    });
    return { error, retry: true };
  }

  protected override beforeReplay(): void {
    // The new socket never heard the old one's speech: its VAD signals start afresh.
    this.#inUtterance = false;
    this.#speechEndAt = undefined;
  }

  protected sendReplayed(chunk: Uint8Array): void {
    this.ws.send(sarvamAudioMessage(chunk, this.ctx.audio.sampleRate));
  }

  protected override afterReplay(): void {
    if (this.#pendingFlush) {
      this.#pendingFlush = false;
      this.sendJson({ type: 'flush' });
    }
  }

  #onMessage(m: SarvamSttMessage): void {
    switch (m.type) {
      case 'speech_start':
        this.#inUtterance = true;
        this.emit({ type: 'speech_started' });
        return;
      case 'speech_end':
        this.#speechEndAt = this.replay.end;
        return;
      case 'data': {
        const covered = this.#speechEndAt ?? this.replay.end;
        const pushedAt = this.replay.pushedAt(Math.max(this.replay.start, covered - 1));
        if (pushedAt !== undefined && m.transcript !== '') this.metric({ type: 'ttfb', kind: 'stt', provider: SARVAM_STT.id, ms: Math.max(0, this.c.clock.now() - pushedAt) });
        this.replay.trimBefore(covered);
        this.#speechEndAt = undefined;
        this.#inUtterance = false;
        if (m.transcript.trim() !== '') {
          this.emit({ type: 'final', text: m.transcript, confidence: 1, speechFinal: true });
          this.emit({ type: 'utterance_end' });
        }
        if (this.state === 'closing') this.ws.close(1000);
        return;
      }
      case 'error':
        this.emit({ type: 'warning', error: new ProviderError('PROVIDER_PROTOCOL', SARVAM_STT.id, `Sarvam reported an error: ${m.message}`, { details: { vendorCode: m.code } }) });
        return;
      case 'unknown':
        return;
    }
  }
}
