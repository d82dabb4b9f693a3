/**
 * Records both sides of a call at the call's rate, one 20 ms frame per tick, so the two
 * tracks line up sample for sample: what the caller said (as spoken, before any network
 * impairment) and what the caller heard (as played out, silence where nothing played).
 */
import { encodeWav, interleaveStereo } from '../audio/wav.js';

/** A finished recording. */
export interface Recording {
  readonly sampleRate: number;
  /** The caller's audio. */
  readonly caller: Int16Array;
  /** What the caller heard. */
  readonly heard: Int16Array;
  /** Stereo WAV: left = caller, right = heard. */
  stereoWav(): Uint8Array;
}

class Track {
  #buf = new Int16Array(16000);
  #len = 0;
  readonly #max: number;

  constructor(maxSamples: number) {
    this.#max = maxSamples;
  }

  append(frame: Int16Array | undefined, samples: number): void {
    if (this.#len + samples > this.#max) return;
    if (this.#len + samples > this.#buf.length) {
      const next = new Int16Array(Math.min(this.#max, Math.max(this.#buf.length * 2, this.#len + samples)));
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    if (frame === undefined) this.#buf.fill(0, this.#len, this.#len + samples);
    else this.#buf.set(frame.subarray(0, samples), this.#len);
    this.#len += samples;
  }

  samples(): Int16Array {
    return this.#buf.slice(0, this.#len);
  }
}

/** Recorder for one call. Stops recording (silently) after `maxMs`. */
export class EmulatedCallRecorder {
  readonly sampleRate: number;
  readonly #caller: Track;
  readonly #heard: Track;

  constructor(sampleRate: number, maxMs = 30 * 60_000) {
    this.sampleRate = sampleRate;
    const max = Math.ceil((maxMs * sampleRate) / 1000);
    this.#caller = new Track(max);
    this.#heard = new Track(max);
  }

  /** Record one tick: the caller's frame (undefined = silence) and the frame played out. */
  frame(caller: Int16Array | undefined, heard: Int16Array | undefined, samples: number): void {
    this.#caller.append(caller, samples);
    this.#heard.append(heard, samples);
  }

  /** The recording so far. */
  finish(): Recording {
    const caller = this.#caller.samples();
    const heard = this.#heard.samples();
    const sampleRate = this.sampleRate;
    return { sampleRate, caller, heard, stereoWav: () => encodeWav(interleaveStereo(caller, heard), sampleRate, 2) };
  }
}
