/**
 * Maps caller audio time (ms of audio received) to the call's monotonic clock, and tracks
 * the last frame that carried speech energy. The speech detector reports audio ms; the
 * latency ledger needs clock time.
 */
import { SPEECH_PEAK_THRESHOLD, peak } from '../audio/level.js';
import type { InboundAudioFrame } from '../stream/types.js';

interface Entry {
  audioMs: number;
  durationMs: number;
  receivedAt: number;
  loud: boolean;
}

export class InboundTimeline {
  readonly #ring: Entry[];
  #next = 0;
  #count = 0;
  /** Monotonic ms at which the last loud frame ended (its arrival). */
  lastLoudAt: number | undefined;
  /** Audio ms at which the last loud frame ended. */
  lastLoudAudioMs: number | undefined;

  constructor(capacity = 1000) {
    this.#ring = new Array(capacity);
  }

  /** Record a frame; returns whether it was loud (carried speech energy). */
  add(frame: InboundAudioFrame): boolean {
    const loud = peak(frame.pcm) > SPEECH_PEAK_THRESHOLD;
    this.#ring[this.#next] = { audioMs: frame.audioMs, durationMs: frame.durationMs, receivedAt: frame.receivedAt, loud };
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#count = Math.min(this.#count + 1, this.#ring.length);
    if (loud) {
      this.lastLoudAt = frame.receivedAt;
      this.lastLoudAudioMs = frame.audioMs + frame.durationMs;
    }
    return loud;
  }

  /** Clock time for an audio position (frames arrive when their audio is complete). */
  clockAt(audioMs: number): number | undefined {
    for (let k = 1; k <= this.#count; k++) {
      const e = this.#ring[(this.#next - k + this.#ring.length) % this.#ring.length] as Entry;
      if (audioMs >= e.audioMs) return e.receivedAt - Math.max(0, e.audioMs + e.durationMs - audioMs);
    }
    return undefined;
  }

  /**
   * When the caller's speech ended: the end of the last loud frame at or before `vadEndAudioMs`
   * (the VAD's frame-level end), so trailing breath and the VAD's frame rounding do not count.
   */
  speechEndAt(vadEndAudioMs: number, runStartAudioMs: number): number | undefined {
    for (let k = 1; k <= this.#count; k++) {
      const e = this.#ring[(this.#next - k + this.#ring.length) % this.#ring.length] as Entry;
      if (e.audioMs < runStartAudioMs) break;
      if (e.loud && e.audioMs < vadEndAudioMs) return e.receivedAt;
    }
    return this.clockAt(vadEndAudioMs);
  }
}
