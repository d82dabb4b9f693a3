/**
 * Plivo's side of a slow WebSocket. "DegradedStream: Sent when a slow connection is
 * detected. Plivo buffers audio packets for up to 40 seconds, and when the buffer reaches
 * 30%, 60%, or 90% capacity, this event is triggered"; DroppedStream is sent when the
 * "WebSocket connection was terminated due to a slow connection"
 * (https://plivo.com/docs/voice/audio-streaming/best-practices). This buffer holds the
 * caller's media that the app's socket has not taken yet; it is not the playout buffer of
 * the app's playAudio (see playout.ts). Pure: the stream leg feeds it the audio held back.
 */

/** Fill levels that trigger DegradedStream (percent of capacity). */
export const SLOW_THRESHOLDS: readonly number[] = [30, 60, 90];
// A threshold re-arms only after the fill falls this many points below it.
const REARM_POINTS = 10;

/** What one update found. */
export interface SlowConnectionUpdate {
  /** Thresholds (percent) newly crossed upwards. */
  readonly crossed: readonly number[];
  /** The buffer is full: Plivo drops the stream. */
  readonly full: boolean;
}

export class SlowConnectionBuffer {
  readonly capacityMs: number;
  readonly #armed = SLOW_THRESHOLDS.map(() => true);
  /** Highest fill seen, percent. */
  maxPercent = 0;

  constructor(capacityMs: number) {
    this.capacityMs = capacityMs;
  }

  /** The audio now held back (ms), from frames waiting to leave and bytes the socket has not sent. */
  update(heldMs: number): SlowConnectionUpdate {
    const percent = (Math.max(0, heldMs) / this.capacityMs) * 100;
    this.maxPercent = Math.max(this.maxPercent, percent);
    const crossed: number[] = [];
    SLOW_THRESHOLDS.forEach((level, i) => {
      if (this.#armed[i] && percent >= level) {
        this.#armed[i] = false;
        crossed.push(level);
      } else if (!this.#armed[i] && percent < level - REARM_POINTS) this.#armed[i] = true;
    });
    return { crossed, full: percent >= 100 };
  }
}
