/**
 * Split audio into fixed-size frames (20 ms on Plivo: 160 B mu-law/8k, 320 B L16/8k,
 * 640 B L16/16k), carrying any remainder into the next push. Frames are copies, so the
 * caller may reuse its input buffer.
 */
import { AudioError } from '../errors.js';

/**
 * Largest frame, bytes: 1 MiB (over 30 s of L16/16k; Plivo's frames are 160-640 B). A
 * bigger size is a mistake, and the framer allocates a frame's worth up front.
 */
const MAX_FRAME_BYTES = 1024 * 1024;

/** Streaming splitter of bytes into fixed-size frames. */
export class Framer {
  readonly frameBytes: number;
  readonly #pending: Uint8Array;
  #fill = 0;

  /**
   * @param frameBytes bytes per frame: a whole number from 1 to 1 MiB (1048576)
   * @throws {AudioError} `AUDIO_INVALID_FORMAT` for any other frame size
   */
  constructor(frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0 || frameBytes > MAX_FRAME_BYTES) {
      throw new AudioError('AUDIO_INVALID_FORMAT', `frame size must be a whole number of bytes from 1 to ${MAX_FRAME_BYTES} (got ${String(frameBytes)})`);
    }
    this.frameBytes = frameBytes;
    this.#pending = new Uint8Array(frameBytes);
  }

  /** Bytes held back, waiting for a full frame. */
  get remainder(): number {
    return this.#fill;
  }

  /** Add bytes; returns every complete frame now available, in order. */
  push(bytes: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let i = 0;
    if (this.#fill > 0) {
      const take = Math.min(this.frameBytes - this.#fill, bytes.length);
      this.#pending.set(bytes.subarray(0, take), this.#fill);
      this.#fill += take;
      i = take;
      if (this.#fill === this.frameBytes) {
        frames.push(this.#pending.slice());
        this.#fill = 0;
      }
    }
    while (bytes.length - i >= this.frameBytes) {
      frames.push(bytes.slice(i, i + this.frameBytes));
      i += this.frameBytes;
    }
    if (i < bytes.length) {
      this.#pending.set(bytes.subarray(i), 0);
      this.#fill = bytes.length - i;
    }
    return frames;
  }

  /**
   * Like {@link push}, but returns whole-frame spans instead of single frames: at most a
   * completed carried-over frame (a copy) and one view of the input covering its whole frames.
   * No per-frame allocation; the views share the input's memory, so the caller must not modify
   * the input afterwards. The remainder is copied and carried as usual.
   */
  pushSpans(bytes: Uint8Array): Uint8Array[] {
    const spans: Uint8Array[] = [];
    let i = 0;
    if (this.#fill > 0) {
      const take = Math.min(this.frameBytes - this.#fill, bytes.length);
      this.#pending.set(bytes.subarray(0, take), this.#fill);
      this.#fill += take;
      i = take;
      if (this.#fill === this.frameBytes) {
        spans.push(this.#pending.slice());
        this.#fill = 0;
      }
    }
    const whole = Math.floor((bytes.length - i) / this.frameBytes) * this.frameBytes;
    if (whole > 0) spans.push(bytes.subarray(i, i + whole));
    i += whole;
    if (i < bytes.length) {
      this.#pending.set(bytes.subarray(i), 0);
      this.#fill = bytes.length - i;
    }
    return spans;
  }

  /**
   * Return the remainder as a final frame padded with `padByte` (0xFF is mu-law silence,
   * 0 is L16 silence), or undefined when nothing is held.
   */
  flush(padByte: number): Uint8Array | undefined {
    if (this.#fill === 0) return undefined;
    const out = new Uint8Array(this.frameBytes).fill(padByte);
    out.set(this.#pending.subarray(0, this.#fill));
    this.#fill = 0;
    return out;
  }

  /** Drop the remainder. */
  clear(): void {
    this.#fill = 0;
  }
}

/**
 * Split a whole buffer into frames; the last one is padded with `padByte` when short.
 * @throws {AudioError} `AUDIO_INVALID_FORMAT` for a frame size {@link Framer} refuses
 */
export function splitFrames(bytes: Uint8Array, frameBytes: number, padByte: number): Uint8Array[] {
  const framer = new Framer(frameBytes);
  const frames = framer.push(bytes);
  const last = framer.flush(padByte);
  if (last !== undefined) frames.push(last);
  return frames;
}
