/**
 * Per-context audio generation for the fake TTS WebSockets: each context generates its texts
 * one after another, each after the time to first byte, in paced chunks; a context can be
 * cancelled on its own. The vendor fakes turn each chunk into their own message shapes.
 */
import type { Clock } from '../../clock.js';
import { bytesPerMs } from '../../providers/audio-spec.js';
import type { AudioSpec } from '../../providers/types.js';
import type { CharTiming } from './synthetic-speech.js';
import { type AudioPacing, schedulePacedAudio } from './paced-audio.js';
import { Timeline } from './timeline.js';
import { type FakeVoice, charTimings } from './tts-voice.js';

/** One chunk of a generation, with the timing needed for alignment messages. */
export interface GeneratedChunk {
  readonly bytes: Uint8Array;
  /** Chunk span within this generation's audio, ms. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Audio of the context before this generation, ms (for context-relative timestamps). */
  readonly contextOffsetMs: number;
  readonly timings: readonly CharTiming[];
  /** Last chunk of this generation. */
  readonly lastOfText: boolean;
}

/** Generates audio for one context. */
export class ContextRunner {
  readonly #clock: Clock;
  readonly #spec: AudioSpec;
  readonly #voice: FakeVoice;
  readonly #pacing: () => AudioPacing;
  readonly #timeline: Timeline;
  #busyUntil = 0;
  #pending = 0;
  #audioMs = 0;
  #onIdle: (() => void) | undefined;

  constructor(clock: Clock, spec: AudioSpec, voice: FakeVoice, pacing: () => AudioPacing) {
    this.#clock = clock;
    this.#spec = spec;
    this.#voice = voice;
    this.#pacing = pacing;
    this.#timeline = new Timeline(clock);
  }

  /** Generations not yet fully sent. */
  get busy(): boolean {
    return this.#pending > 0;
  }

  /** Queue `text`; `send` receives its chunks in order (nothing after {@link cancel}). */
  generate(text: string, send: (chunk: GeneratedChunk) => void): void {
    const out = this.#voice(text, this.#spec);
    const timings = charTimings(text, out, this.#spec);
    const pacing = this.#pacing();
    const now = this.#clock.now();
    const start = Math.max(now + (pacing.ttfbMs ?? 0), this.#busyUntil);
    const bpms = bytesPerMs(this.#spec);
    const offset = this.#audioMs;
    this.#audioMs += out.bytes.length / bpms;
    this.#pending++;
    let sent = 0;
    const end = schedulePacedAudio(this.#timeline, out.bytes, this.#spec, pacing, start - now, (bytes, last) => {
      const fromMs = sent / bpms;
      sent += bytes.length;
      send({ bytes, fromMs, toMs: sent / bpms, contextOffsetMs: offset, timings, lastOfText: last });
      if (last) {
        this.#pending--;
        if (this.#pending === 0) this.#onIdle?.();
      }
    });
    this.#busyUntil = now + end;
  }

  /** Call `fn` once every queued generation has been sent (at once when idle). */
  whenIdle(fn: () => void): void {
    if (this.#pending === 0) fn();
    else this.#onIdle = fn;
  }

  /** Stop: nothing more is sent for this context. */
  cancel(): void {
    this.#timeline.cancel();
    this.#pending = 0;
    this.#onIdle = undefined;
  }
}
