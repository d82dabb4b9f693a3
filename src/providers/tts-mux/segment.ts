/**
 * One segment being spoken on a multi-context socket: its text so far, its audio queue, and
 * how far the delivered audio has got, so it can be re-requested after a reconnect.
 */
import type { TimerHandle } from '../../clock.js';
import { BoundedQueue } from '../../bounded-queue.js';
import { advanceByChars, advanceByWords } from './text-progress.js';
import type { TimedWord } from '../types.js';

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
  /** Where word timings go (the caller's onWords). */
  onWords: ((words: readonly TimedWord[]) => void) | undefined;
  /** Audio ms delivered before the current wire context's audio begins (its timings' origin). */
  timingBaseMs = 0;
  /** End of the last word reported, ms: a re-requested context does not report a word twice. */
  lastWordEndMs = -1;
  /** A word being assembled from character alignment across chunks. */
  pendingWord: { text: string; endMs: number } | undefined;

  constructor(wireId: string, capacityBytes: number, onCancel: () => void) {
    this.wireId = wireId;
    this.queue = new BoundedQueue<Uint8Array>({ capacity: capacityBytes, weigh: (b) => b.length, onCancel });
  }

  /** Text not yet sent on the current wire context. */
  unsent(): string {
    return this.text.slice(this.base + this.sentUpTo);
  }

  /** Report words (ms on the context's timeline) that end after the last one reported. */
  reportWords(words: readonly TimedWord[]): void {
    const fresh = words.map((w) => ({ word: w.word, endMs: w.endMs + this.timingBaseMs })).filter((w) => w.endMs > this.lastWordEndMs);
    if (fresh.length === 0) return;
    this.lastWordEndMs = (fresh[fresh.length - 1] as TimedWord).endMs;
    this.onWords?.(fresh);
  }

  /**
   * Assemble words from a chunk's character alignment: `chunkStartMs` on the context's timeline,
   * `charEndsMs` relative to the chunk. A word ends at its last character; whitespace separates.
   */
  alignChars(chars: string, charEndsMs: readonly number[], chunkStartMs: number): void {
    const done: TimedWord[] = [];
    [...chars].forEach((c, i) => {
      if (/\s/.test(c)) {
        if (this.pendingWord !== undefined) done.push({ word: this.pendingWord.text, endMs: this.pendingWord.endMs });
        this.pendingWord = undefined;
        return;
      }
      const end = chunkStartMs + (charEndsMs[i] ?? 0);
      if (this.pendingWord === undefined) this.pendingWord = { text: c, endMs: end };
      else {
        this.pendingWord.text += c;
        this.pendingWord.endMs = end;
      }
    });
    if (done.length > 0) this.reportWords(done);
  }

  /** The context finished: the word in progress is complete. */
  flushWord(): void {
    if (this.pendingWord !== undefined) this.reportWords([{ word: this.pendingWord.text, endMs: this.pendingWord.endMs }]);
    this.pendingWord = undefined;
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
