/**
 * Caller audio made ready for sending: PCM at the call's rate cut into 20 ms frames, each
 * flagged speech or silence, with its wire payloads (base64) built once per stream format
 * and cached. The load generator prepares one utterance and plays it on hundreds of calls,
 * so the per-frame send path only picks a ready string.
 */
import { pcmToWire, silenceByte } from '../audio/codec.js';
import { peak } from '../audio/level.js';
import { encodeBase64 } from '../protocol/base64.js';
import type { StreamFormat } from '../protocol/format.js';
import { resampleAll } from '../providers/flite/synthesize.js';

/** A frame counts as speech when its peak exceeds this (about -30 dBFS). */
export const DEFAULT_SPEECH_THRESHOLD = 1000;

/** Audio ready to send as 20 ms media frames. */
export interface PreparedAudio {
  /** The rate of {@link pcm} (the call's recording rate). */
  readonly sampleRate: number;
  readonly frameSamples: number;
  readonly frames: number;
  /** Samples, zero-padded to whole frames. */
  readonly pcm: Int16Array;
  /** Per frame: 1 when its peak is above the speech threshold. */
  readonly speech: Uint8Array;
  /** Index of the first and last speech frames, -1 when there is none. */
  readonly firstSpeech: number;
  readonly lastSpeech: number;
  /** Base64 wire payloads for `format`, one per frame (built on first use, then cached). */
  wire(format: StreamFormat): readonly string[];
}

class Prepared implements PreparedAudio {
  readonly frameSamples: number;
  readonly frames: number;
  readonly speech: Uint8Array;
  readonly firstSpeech: number;
  readonly lastSpeech: number;
  readonly #wire = new Map<string, readonly string[]>();

  constructor(
    readonly pcm: Int16Array,
    readonly sampleRate: number,
    threshold: number,
  ) {
    this.frameSamples = sampleRate / 50;
    this.frames = pcm.length / this.frameSamples;
    this.speech = new Uint8Array(this.frames);
    let first = -1;
    let last = -1;
    for (let f = 0; f < this.frames; f++) {
      if (peak(pcm.subarray(f * this.frameSamples, (f + 1) * this.frameSamples)) > threshold) {
        this.speech[f] = 1;
        if (first === -1) first = f;
        last = f;
      }
    }
    this.firstSpeech = first;
    this.lastSpeech = last;
  }

  /** Base64 payloads for `format`, built on first use. */
  wire(format: StreamFormat): readonly string[] {
    let frames = this.#wire.get(format.name);
    if (frames === undefined) {
      const pcm = resampleAll(this.pcm, this.sampleRate, format.sampleRate);
      const bytes = pcmToWire(format, pcm);
      const out: string[] = [];
      for (let f = 0; f < this.frames; f++) {
        const frame = new Uint8Array(format.frameBytes).fill(silenceByte(format));
        const from = f * format.frameBytes;
        frame.set(bytes.subarray(from, Math.min(bytes.length, from + format.frameBytes)));
        out.push(encodeBase64(frame));
      }
      frames = out;
      this.#wire.set(format.name, frames);
    }
    return frames;
  }
}

/**
 * Prepare `samples` (at `sampleRate`) for a call recorded at `callRate` (8000 or 16000).
 * The audio is resampled to `callRate` and padded with silence to whole 20 ms frames.
 */
export function prepareAudio(samples: Int16Array, sampleRate: number, callRate: number, threshold = DEFAULT_SPEECH_THRESHOLD): PreparedAudio {
  const atRate = resampleAll(samples, sampleRate, callRate);
  const frameSamples = callRate / 50;
  const frames = Math.ceil(atRate.length / frameSamples);
  const pcm = new Int16Array(frames * frameSamples);
  pcm.set(atRate);
  return new Prepared(pcm, callRate, threshold);
}

/** The wire payload of one silent 20 ms frame of `format`, as base64 (cached). */
export function silentFrame(format: StreamFormat): string {
  let s = SILENCE.get(format.name);
  if (s === undefined) {
    s = encodeBase64(new Uint8Array(format.frameBytes).fill(silenceByte(format)));
    SILENCE.set(format.name, s);
  }
  return s;
}

const SILENCE = new Map<string, string>();
