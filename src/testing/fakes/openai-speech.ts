/**
 * Fake OpenAI speech endpoint (`POST /v1/audio/speech`,
 * https://platform.openai.com/docs/api-reference/audio/createSpeech): JSON `{model, input,
 * voice, response_format, speed}` in, the audio bytes streamed out with chunked transfer.
 * `pcm` is raw 24 kHz 16-bit little-endian mono, as OpenAI documents; `wav` is the same with a
 * header. Texts are recorded; latency, pacing, errors and mid-stream drops are scriptable.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeWav } from '../../audio/wav.js';
import type { Clock } from '../../clock.js';
import type { AudioSpec } from '../../providers/types.js';
import { FaultQueue, type HttpFault } from './faults.js';
import { sendJson } from './http-host.js';
import { openAiError, sendModelNotFound, takeOpenAiRequest } from './openai-wire.js';
import { type AudioPacing, schedulePacedAudio } from './paced-audio.js';
import { Recorder } from './recorder.js';
import { syntheticSpeechBytes } from './synthetic-speech.js';
import { Timeline } from './timeline.js';

/** OpenAI's `pcm`: 24 kHz signed 16-bit little-endian mono. */
export const OPENAI_PCM: AudioSpec = { encoding: 'pcm16', sampleRate: 24_000 };

/** A speech request as received. */
export interface RecordedSpeechRequest {
  readonly at: number;
  readonly model: string;
  readonly input: string;
  readonly voice: string;
  readonly responseFormat: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** Streaming events, for order assertions. */
export type SpeechStreamEvent =
  | { readonly type: 'request'; readonly at: number; readonly input: string }
  | { readonly type: 'chunk'; readonly at: number; readonly bytes: number }
  | { readonly type: 'done'; readonly at: number; readonly bytes: number }
  | { readonly type: 'aborted'; readonly at: number; readonly bytesSent: number }
  | { readonly type: 'dropped'; readonly at: number; readonly bytesSent: number }
  | { readonly type: 'fault'; readonly at: number; readonly status: number };

/** The scriptable speech endpoint. Create through `startFakeOpenAi`. */
export class FakeSpeech {
  readonly requests = new Recorder<RecordedSpeechRequest>();
  readonly events = new Recorder<SpeechStreamEvent>();
  /** Pacing of every response (mutable between requests). */
  pacing: AudioPacing;
  /** Audio for a text; default {@link syntheticSpeechBytes}. */
  audioFor: (text: string, spec: AudioSpec) => Uint8Array = (text, spec) => syntheticSpeechBytes(text, spec);
  readonly #clock: Clock;
  readonly #faults = new FaultQueue();
  #dropAfterBytes: number | undefined;

  constructor(clock: Clock, pacing: AudioPacing) {
    this.#clock = clock;
    this.pacing = pacing;
  }

  /** Answer the next `times` requests with an HTTP error. */
  failNext(fault: HttpFault, times = 1): this {
    this.#faults.push(fault, times);
    return this;
  }

  /** Destroy the connection of the next response after `bytes` audio bytes (once). */
  dropNextAfter(bytes: number): this {
    this.#dropAfterBytes = bytes;
    return this;
  }

  /** Texts received, in order. */
  get texts(): string[] {
    return this.requests.entries.map((r) => r.input);
  }

  /** Handle one request (routed by the host). */
  async handle(req: IncomingMessage, res: ServerResponse, models: readonly string[]): Promise<void> {
    const body = await takeOpenAiRequest(req, res, 64 * 1024, this.#faults, (f) =>
      this.events.add({ type: 'fault', at: this.#clock.now(), status: f.status }),
    );
    if (body === undefined) return;
    const model = typeof body.model === 'string' ? body.model : '';
    const input = typeof body.input === 'string' ? body.input : '';
    const format = typeof body.response_format === 'string' ? body.response_format : 'mp3';
    if (!models.includes(model)) {
      sendModelNotFound(res, model);
      return;
    }
    if (input === '' || input.length > 4096) {
      sendJson(res, 400, openAiError("'input' must be between 1 and 4096 characters.", 'invalid_request_error', 'invalid_value'));
      return;
    }
    if (typeof body.voice !== 'string' || body.voice === '') {
      sendJson(res, 400, openAiError("Missing required parameter: 'voice'.", 'invalid_request_error', 'missing_required_parameter'));
      return;
    }
    if (format !== 'pcm' && format !== 'wav') {
      sendJson(res, 400, openAiError(`The fake speech server produces only 'pcm' and 'wav', not '${format}'.`, 'invalid_request_error', 'invalid_value'));
      return;
    }
    const at = this.#clock.now();
    this.requests.add({ at, model, input, voice: body.voice, responseFormat: format, body });
    this.events.add({ type: 'request', at, input });
    let audio = this.audioFor(input, OPENAI_PCM);
    if (format === 'wav') audio = encodeWav(new Int16Array(audio.buffer.slice(audio.byteOffset, audio.byteOffset + audio.length)), OPENAI_PCM.sampleRate);
    this.#stream(res, audio, format);
  }

  #stream(res: ServerResponse, audio: Uint8Array, format: string): void {
    res.writeHead(200, { 'content-type': format === 'wav' ? 'audio/wav' : 'audio/pcm', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const timeline = new Timeline(this.#clock);
    const dropAt = this.#dropAfterBytes;
    this.#dropAfterBytes = undefined;
    let sent = 0;
    let finished = false;
    res.on('close', () => {
      timeline.cancel();
      if (!finished) this.events.add({ type: 'aborted', at: this.#clock.now(), bytesSent: sent });
    });
    schedulePacedAudio(timeline, audio, OPENAI_PCM, this.pacing, this.pacing.ttfbMs ?? 0, (chunk, last) => {
      if (dropAt !== undefined && sent + chunk.length > dropAt) {
        const part = chunk.subarray(0, Math.max(0, dropAt - sent));
        sent += part.length;
        finished = true;
        this.events.add({ type: 'dropped', at: this.#clock.now(), bytesSent: sent });
        timeline.cancel();
        // Destroy once the partial write has left, so the client got exactly `bytesSent`.
        const sock = res.socket;
        if (part.length > 0) res.write(part, () => sock?.destroy());
        else sock?.destroy();
        return;
      }
      if (chunk.length > 0) {
        res.write(chunk);
        sent += chunk.length;
        this.events.add({ type: 'chunk', at: this.#clock.now(), bytes: chunk.length });
      }
      if (last) {
        finished = true;
        res.end();
        this.events.add({ type: 'done', at: this.#clock.now(), bytes: sent });
      }
    });
  }
}
