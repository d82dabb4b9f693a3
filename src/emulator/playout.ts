/**
 * Plivo's playout buffer for one stream: accepted `playAudio` bytes wait here and drain in
 * real time, 20 ms per tick. Its 40 s bound and fill levels are the emulator's reading:
 * Plivo documents no playout bound; an app that overflows it is the troubleshooting guide's
 * `buffer_overflow` ("Sending audio too fast", guide only). Plivo's documented 40 s buffer
 * with DegradedStream at 30/60/90 % is the slow-connection buffer (slow-connection.ts), not
 * this one. Checkpoints are markers at a byte position: one is reached when everything
 * queued before it has played. Pure: no timers.
 */

/** What {@link PlayoutBuffer.enqueue} did. */
export interface EnqueueResult {
  /** Bytes taken into the buffer. */
  readonly accepted: number;
  /** Bytes refused because the buffer was full (buffer_overflow). */
  readonly refused: number;
  /** Fill thresholds (percent) newly crossed upwards by this enqueue. */
  readonly crossed: readonly number[];
}

/** What {@link PlayoutBuffer.clear} dropped. */
export interface ClearResult {
  readonly droppedBytes: number;
  /** Checkpoints that will never be answered (cleared before they were reached). */
  readonly droppedCheckpoints: readonly string[];
}

interface Marker {
  readonly name: string;
  readonly at: number;
}

/** Fill levels that trigger DegradedStream (percent of capacity). */
export const DEGRADED_THRESHOLDS: readonly number[] = [30, 60, 90];
// A threshold re-arms only after the fill falls this many points below it, so a server that
// hovers at a threshold does not trigger a callback storm.
const REARM_POINTS = 10;

/** A bounded byte FIFO with checkpoint markers and fill thresholds. */
export class PlayoutBuffer {
  readonly capacityBytes: number;
  readonly maxCheckpoints: number;
  readonly #chunks: Uint8Array[] = [];
  #head = 0;
  #offset = 0;
  #buffered = 0;
  #enqueued = 0;
  #played = 0;
  readonly #markers: Marker[] = [];
  readonly #armed: boolean[];
  readonly #thresholds: readonly number[];

  constructor(capacityBytes: number, options: { thresholds?: readonly number[]; maxCheckpoints?: number } = {}) {
    this.capacityBytes = capacityBytes;
    this.#thresholds = options.thresholds ?? DEGRADED_THRESHOLDS;
    this.#armed = this.#thresholds.map(() => true);
    this.maxCheckpoints = options.maxCheckpoints ?? 4096;
  }

  /** Bytes waiting to play. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Fill as a fraction of capacity (0..1). */
  get fill(): number {
    return this.#buffered / this.capacityBytes;
  }

  /** Checkpoints not reached yet. */
  get pendingCheckpoints(): number {
    return this.#markers.length;
  }

  /** Queue audio (kept by reference: the caller must not reuse `bytes`). Takes what fits. */
  enqueue(bytes: Uint8Array): EnqueueResult {
    const room = this.capacityBytes - this.#buffered;
    const accepted = Math.min(room, bytes.length);
    if (accepted > 0) {
      this.#chunks.push(accepted === bytes.length ? bytes : bytes.subarray(0, accepted));
      this.#buffered += accepted;
      this.#enqueued += accepted;
    }
    const crossed: number[] = [];
    const percent = this.fill * 100;
    this.#thresholds.forEach((t, i) => {
      if (this.#armed[i] && percent >= t) {
        this.#armed[i] = false;
        crossed.push(t);
      }
    });
    return { accepted, refused: bytes.length - accepted, crossed };
  }

  /** Place a checkpoint after everything queued so far. Returns false when too many are pending. */
  checkpoint(name: string): boolean {
    if (this.#markers.length >= this.maxCheckpoints) return false;
    this.#markers.push({ name, at: this.#enqueued });
    return true;
  }

  /**
   * Move up to `out.length` bytes into `out` (a 20 ms frame). Returns how many were written;
   * the caller pads the rest with silence. Reached checkpoints are appended to `reached`.
   */
  drain(out: Uint8Array, reached: string[]): number {
    // A checkpoint is reached once the audio before it has finished playing: everything taken
    // by earlier ticks has played by now; the frame taken below plays during the next 20 ms.
    // ("playedStream will only be emitted if the preceding events were played successfully",
    // https://plivo.com/docs/voice/xml/the-stream-element/checkpoint-event)
    while (this.#markers.length > 0 && (this.#markers[0] as Marker).at <= this.#played) reached.push((this.#markers.shift() as Marker).name);
    let written = 0;
    while (written < out.length && this.#head < this.#chunks.length) {
      const chunk = this.#chunks[this.#head] as Uint8Array;
      const take = Math.min(out.length - written, chunk.length - this.#offset);
      out.set(chunk.subarray(this.#offset, this.#offset + take), written);
      written += take;
      this.#offset += take;
      if (this.#offset === chunk.length) {
        this.#chunks[this.#head] = EMPTY;
        this.#head++;
        this.#offset = 0;
      }
    }
    if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
      this.#chunks.splice(0, this.#head);
      this.#head = 0;
    }
    this.#buffered -= written;
    this.#played += written;
    this.#rearm();
    return written;
  }

  /** Drop everything buffered and every pending checkpoint (clearAudio). */
  clear(): ClearResult {
    const droppedBytes = this.#buffered;
    this.#chunks.length = 0;
    this.#head = 0;
    this.#offset = 0;
    this.#buffered = 0;
    // Dropped audio counts as consumed, so later checkpoints are measured from here.
    this.#played = this.#enqueued;
    const droppedCheckpoints = this.#markers.splice(0).map((m) => m.name);
    this.#rearm();
    return { droppedBytes, droppedCheckpoints };
  }

  #rearm(): void {
    const percent = this.fill * 100;
    this.#thresholds.forEach((t, i) => {
      if (!this.#armed[i] && percent < t - REARM_POINTS) this.#armed[i] = true;
    });
  }
}

const EMPTY = new Uint8Array(0);
