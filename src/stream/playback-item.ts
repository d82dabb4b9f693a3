/**
 * One queued piece of outbound audio (usually a TTS sentence) and its playout bookkeeping:
 * when each of its frames is expected to play at Plivo, so `clear()` can say how much of it
 * the caller actually heard (the heard-ledger's input).
 */

/** How an item ended. */
export interface PlaybackResult {
  readonly status: 'played' | 'cleared';
  /** Audio queued for the item (ms). */
  readonly durationMs: number;
  /** Audio the caller heard (ms): all of it when played; the estimate at the cut when cleared. */
  readonly playedMs: number;
}

/** Options for a playback item. */
export interface PlaybackOptions {
  /** The text this audio speaks (carried into reports for the heard-ledger). */
  readonly text?: string;
  /** A label for logs and reports (e.g. `greeting`, `turn-3/s2`). */
  readonly label?: string;
  /** Marks a segment barge-in must not cut (greeting, legal notice). The agent honours it. */
  readonly uninterruptible?: boolean;
}

/** The state of a playback item. */
export type PlaybackState = 'queued' | 'sending' | 'sent' | 'played' | 'cleared';

const EMPTY = new Uint8Array(0);

interface Span {
  start: number;
  duration: number;
}

export class PlaybackItem {
  readonly id: number;
  readonly text: string | undefined;
  readonly label: string | undefined;
  readonly uninterruptible: boolean;
  /** Resolves when the item was played (checkpoint acknowledged) or cleared. */
  readonly done: Promise<PlaybackResult>;

  /** Audio not yet sent, as whole-frame spans, oldest first (from `head`, at byte `offset`). */
  spans: Uint8Array[] = [];
  head = 0;
  offset = 0;
  /** No more audio will be added. */
  ended = false;
  state: PlaybackState = 'queued';
  /** Total audio queued (ms). */
  durationMs = 0;
  /** Audio sent (ms). */
  sentMs = 0;
  /** Monotonic ms when the first frame was sent. */
  firstSentAt: number | undefined;
  /** Name of the checkpoint that closes this item, once sent. */
  checkpointName: string | undefined;
  /** Frames written so far (sent or not). */
  writtenFrames = 0;
  /** Frames sent so far. */
  sentFrames = 0;
  /** Checkpoints inside the item: sent right after frame number `afterFrames`. */
  marks: { afterFrames: number; name: string; settle: (s: 'played' | 'cleared') => void }[] = [];
  readonly #spans: Span[] = [];
  #resolve!: (r: PlaybackResult) => void;

  constructor(id: number, options: PlaybackOptions) {
    this.id = id;
    this.text = options.text;
    this.label = options.label;
    this.uninterruptible = options.uninterruptible === true;
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Frames waiting to be sent. */
  get pendingFrames(): number {
    return this.writtenFrames - this.sentFrames;
  }

  /** Add whole-frame spans (views are kept, not copied). */
  append(spans: readonly Uint8Array[]): void {
    for (const s of spans) if (s.length > 0) this.spans.push(s);
  }

  /** Take the next frame as a view (it is sent at once, so no copy is needed). */
  takeFrame(frameBytes: number): Uint8Array {
    const span = this.spans[this.head] as Uint8Array;
    const frame = span.subarray(this.offset, this.offset + frameBytes);
    this.offset += frameBytes;
    if (this.offset >= span.length) {
      this.spans[this.head] = EMPTY;
      this.head++;
      this.offset = 0;
      if (this.head > 32 && this.head * 2 > this.spans.length) {
        this.spans = this.spans.slice(this.head);
        this.head = 0;
      }
    }
    return frame;
  }

  /** Record that a frame of `duration` ms will play at Plivo starting at `start` (monotonic ms). */
  scheduled(start: number, duration: number): void {
    const last = this.#spans[this.#spans.length - 1];
    if (last !== undefined && Math.abs(last.start + last.duration - start) < 0.001) last.duration += duration;
    else this.#spans.push({ start, duration });
    this.sentMs += duration;
  }

  /** Expected playout end of everything sent so far (monotonic ms), or undefined if nothing was sent. */
  get scheduledEnd(): number | undefined {
    const last = this.#spans[this.#spans.length - 1];
    return last === undefined ? undefined : last.start + last.duration;
  }

  /** Estimated ms played by monotonic time `t`. */
  playedBy(t: number): number {
    let ms = 0;
    for (const s of this.#spans) ms += Math.min(s.duration, Math.max(0, t - s.start));
    return ms;
  }

  /** Settle the item; later calls are ignored. */
  settle(status: 'played' | 'cleared', playedMs: number): void {
    if (this.state === 'played' || this.state === 'cleared') return;
    this.state = status;
    this.spans = [];
    this.head = 0;
    this.offset = 0;
    this.#resolve({ status, durationMs: this.durationMs, playedMs: Math.min(this.durationMs, Math.max(0, playedMs)) });
  }
}
