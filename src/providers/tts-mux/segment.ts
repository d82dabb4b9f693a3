/**
 * One segment being spoken on a multi-context socket: its text so far, its audio queue, and
 * how far the delivered audio has got, so it can be re-requested after a reconnect.
 */
import type { TimerHandle } from '../../clock.js';
import { BoundedQueue } from '../net/bounded-queue.js';
import { advanceByChars, advanceByWords } from './text-progress.js';
import type { TimedWord } from './wire.js';

/** See the module comment. */
export class Segment {
  /** Context id on the wire (changes when the segment is re-requested). */
  wireId: string;
  /** Text received from the caller so far. */
  text = '';
  /** The caller will send no more text. */
  inputEnded = false;
  /** Position in `text` where the current wire context started. */
  base = 0;
  /** Text from `base` already sent on the current wire context. */
  sentUpTo = 0;
  /** The current wire context has been opened. */
  openedOnWire = false;
  /** The end of input was sent on the current wire context. */
  endSent = false;
  /** Audio bytes handed to the caller in total. */
  delivered = 0;
  /** Audio bytes received on the current wire context. */
  wireBytes = 0;
  /** Bytes of a restarted context's audio to drop (already delivered before a reconnect). */
  skipBytes = 0;
  /** Position in `text` the delivered audio has spoken up to (from alignment), if known. */
  spokenPos: number | undefined;
  /** Word timings of the current wire context. */
  words: TimedWord[] = [];
  /** When text was first sent (TTFB start) and whether first audio was reported. */
  firstSentAt: number | undefined;
  firstAudio = false;
  /** Finished (done, failed or cancelled): no more events are applied. */
  finished = false;
  /** Re-requests after context errors (rate limits, silence). */
  retries = 0;
  /** Watchdog for a vendor that stops sending audio. */
  audioTimer: TimerHandle | undefined;
  readonly queue: BoundedQueue<Uint8Array>;

  constructor(wireId: string, capacityBytes: number, onCancel: () => void) {
    this.wireId = wireId;
    this.queue = new BoundedQueue<Uint8Array>({ capacity: capacityBytes, weigh: (b) => b.length, onCancel });
  }

  /** Text not yet sent on the current wire context. */
  unsent(): string {
    return this.text.slice(this.base + this.sentUpTo);
  }

  /** Record chars spoken by a chunk (alignment). */
  spoke(chars: string): void {
    this.spokenPos = advanceByChars(this.text, this.spokenPos ?? this.base, chars);
  }

  /**
   * Where delivered audio has got to in `text`: from alignment, else from word timings and the
   * audio received on this context, else undefined (unknown: restart and skip bytes).
   */
  spokenPosition(bytesPerMs: number): number | undefined {
    if (this.wireBytes === 0) return this.base;
    if (this.spokenPos !== undefined) return this.spokenPos;
    if (this.words.length === 0) return undefined;
    const deliveredMs = this.wireBytes / bytesPerMs;
    const spoken = this.words.filter((w) => w.endMs <= deliveredMs).map((w) => w.word);
    return advanceByWords(this.text, this.base, spoken);
  }
}
