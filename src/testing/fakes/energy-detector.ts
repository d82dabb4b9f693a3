/**
 * The fake recogniser's ears: speech segments found by frame energy on decoded PCM, robust to
 * both synthetic tones and real speech. 10 ms frames; a frame is loud when its level exceeds
 * both an absolute floor and the tracked noise floor by a margin; speech starts after
 * `minSpeechMs` of loud frames and ends after `endSilenceMs` of quiet ones (so the gaps
 * between words do not split an utterance). Pure: samples in, events out, in audio time.
 */
import { rms } from '../../audio/level.js';

/** Options of {@link EnergyDetector}. */
export interface EnergyDetectorOptions {
  /** Absolute level a frame must exceed, dBFS; default -42. */
  readonly thresholdDbfs?: number;
  /** Margin over the tracked noise floor, dB; default 10. */
  readonly marginDb?: number;
  /** Loud audio needed to start a segment; default 40 ms. */
  readonly minSpeechMs?: number;
  /** Quiet audio that ends a segment; default 300 ms. */
  readonly endSilenceMs: number;
}

/** What one push found, in audio ms since the detector started. */
export type EnergyEvent =
  /** Speech started at `atMs` (confirmed `minSpeechMs` later, when this event is emitted). */
  | { readonly type: 'start'; readonly atMs: number }
  /** Speech ended at `atMs` (the first quiet frame), reported `endSilenceMs` later. */
  | { readonly type: 'end'; readonly atMs: number }
  /** One frame was processed; `loud` tells whether it was speech-like. */
  | { readonly type: 'frame'; readonly endMs: number; readonly loud: boolean; readonly inSpeech: boolean };

/** See the module comment. */
export class EnergyDetector {
  readonly #frame: number;
  readonly #frameMs = 10;
  readonly #threshold: number;
  readonly #margin: number;
  readonly #minLoud: number;
  readonly #endQuiet: number;
  readonly #pending: number[] = [];
  #noiseDb = -90;
  #frames = 0;
  #loudRun = 0;
  #quietRun = 0;
  #inSpeech = false;

  constructor(sampleRate: number, options: EnergyDetectorOptions) {
    this.#frame = Math.round(sampleRate / 100);
    this.#threshold = options.thresholdDbfs ?? -42;
    this.#margin = options.marginDb ?? 10;
    this.#minLoud = Math.max(1, Math.round((options.minSpeechMs ?? 40) / this.#frameMs));
    this.#endQuiet = Math.max(1, Math.round(options.endSilenceMs / this.#frameMs));
  }

  /** Audio processed so far, ms. */
  get positionMs(): number {
    return this.#frames * this.#frameMs;
  }

  /** Whether the detector is inside a speech segment. */
  get inSpeech(): boolean {
    return this.#inSpeech;
  }

  /** Feed samples; returns the events of every complete frame. */
  push(samples: Int16Array): EnergyEvent[] {
    const out: EnergyEvent[] = [];
    for (const s of samples) {
      this.#pending.push(s);
      if (this.#pending.length === this.#frame) {
        this.#onFrame(Int16Array.from(this.#pending), out);
        this.#pending.length = 0;
      }
    }
    return out;
  }

  #onFrame(frame: Int16Array, out: EnergyEvent[]): void {
    const r = rms(frame);
    const db = r === 0 ? -120 : 20 * Math.log10(r / 32768);
    const loud = db > this.#threshold && db > this.#noiseDb + this.#margin;
    this.#frames++;
    const endMs = this.#frames * this.#frameMs;
    if (loud) {
      this.#loudRun++;
      this.#quietRun = 0;
      if (!this.#inSpeech && this.#loudRun >= this.#minLoud) {
        this.#inSpeech = true;
        out.push({ type: 'start', atMs: endMs - this.#loudRun * this.#frameMs });
      }
    } else {
      this.#loudRun = 0;
      this.#quietRun++;
      // The noise floor follows quiet frames only, slowly, so speech never raises it.
      this.#noiseDb = Math.max(-90, 0.95 * this.#noiseDb + 0.05 * db);
      if (this.#inSpeech && this.#quietRun >= this.#endQuiet) {
        this.#inSpeech = false;
        out.push({ type: 'end', atMs: endMs - this.#quietRun * this.#frameMs });
      }
    }
    out.push({ type: 'frame', endMs, loud, inSpeech: this.#inSpeech });
  }
}
