/**
 * End-of-turn decisions from VAD silence together with STT finals: a turn ends once the
 * caller has been silent for the endpointing delay (the speech detector's minimum silence)
 * and the recogniser has finalised what was said; if the final is slow, the turn ends
 * anyway `maxEndpointingMs` after the speech with the best text so far. A turn with no
 * words (noise, a cough) gets no reply. Without an STT (the built-in agent) VAD alone decides.
 */
import type { Clock, TimerHandle } from '../clock.js';

/** A committed user turn. */
export interface DetectedTurn {
  /** What the caller said ('' without an STT). */
  readonly text: string;
  /** Monotonic ms. */
  readonly speechStartAt: number;
  readonly speechEndAt: number;
  readonly committedAt: number;
  /** When the STT final that completed the turn arrived. */
  readonly sttFinalAt: number | undefined;
  /** What decided it. */
  readonly reason: 'vad' | 'final' | 'max_delay';
}

/** Settings of a {@link TurnDetector}. */
export interface TurnDetectorOptions {
  /** Whether transcripts are expected (an STT is configured). */
  readonly withStt: boolean;
  /** Longest wait for the STT's final after speech ended, ms (default 1500). */
  readonly maxEndpointingMs?: number;
}

export class TurnDetector {
  readonly #clock: Clock;
  readonly #withStt: boolean;
  readonly #maxMs: number;
  readonly #onCommit: (t: DetectedTurn) => void;
  readonly #onDiscard: (reason: string) => void;
  #finals: string[] = [];
  #interim = '';
  #finalPending = false;
  #sttFinalAt: number | undefined;
  #speechStartAt: number | undefined;
  #speechEndAt: number | undefined;
  #speaking = false;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, options: TurnDetectorOptions, onCommit: (t: DetectedTurn) => void, onDiscard: (reason: string) => void) {
    this.#clock = clock;
    this.#withStt = options.withStt;
    this.#maxMs = options.maxEndpointingMs ?? 1500;
    this.#onCommit = onCommit;
    this.#onDiscard = onDiscard;
  }

  /** True from speech start until the turn is committed or discarded. */
  get inTurn(): boolean {
    return this.#speechStartAt !== undefined;
  }

  /** Words heard so far in this turn (finals plus the current interim). */
  get words(): number {
    return this.text.split(/\s+/).filter((w) => w !== '').length;
  }

  /** The best transcript so far. */
  get text(): string {
    return [...this.#finals, this.#interim].filter((s) => s !== '').join(' ').trim();
  }

  speechStart(at: number): void {
    this.#speaking = true;
    this.#speechStartAt ??= at;
    this.#speechEndAt = undefined;
    this.#cancelTimer();
  }

  speechEnd(endAt: number): void {
    this.#speaking = false;
    if (this.#speechStartAt === undefined) return;
    this.#speechEndAt = endAt;
    if (!this.#withStt) {
      this.#commit('vad');
      return;
    }
    if (this.#finalized()) {
      this.#commit('final');
      return;
    }
    this.#cancelTimer();
    const wait = Math.max(0, endAt + this.#maxMs - this.#clock.now());
    this.#timer = this.#clock.setTimer(() => this.#onMaxDelay(), wait);
  }

  interim(text: string): void {
    this.#interim = text.trim();
    if (this.#interim !== '') this.#finalPending = true;
  }

  final(text: string, speechFinal: boolean, at: number): void {
    const t = text.trim();
    if (t !== '') {
      this.#finals.push(t);
      this.#sttFinalAt = at;
    }
    this.#interim = '';
    this.#finalPending = false;
    if (this.#speechStartAt === undefined && t !== '') {
      // Words the VAD missed (very quiet speech): treat the final as the whole turn.
      this.#speechStartAt = at;
      this.#speechEndAt = at;
    }
    if ((speechFinal || !this.#speaking) && this.#speechEndAt !== undefined && !this.#speaking && this.text !== '') this.#commit('final');
  }

  utteranceEnd(at: number): void {
    if (this.#interim !== '') this.final(this.#interim, true, at);
    else if (!this.#speaking && this.#speechEndAt !== undefined && this.text !== '') this.#commit('final');
  }

  /** Forget the current turn (e.g. it was consumed as a barge-in that turned out false). */
  reset(): void {
    this.#cancelTimer();
    this.#finals = [];
    this.#interim = '';
    this.#finalPending = false;
    this.#sttFinalAt = undefined;
    this.#speechStartAt = undefined;
    this.#speechEndAt = undefined;
  }

  #finalized(): boolean {
    return this.#finals.length > 0 && !this.#finalPending;
  }

  #onMaxDelay(): void {
    this.#timer = undefined;
    if (this.#speaking || this.#speechEndAt === undefined) return;
    if (this.text === '') {
      this.reset();
      this.#onDiscard('no words within the endpointing window (noise or a cough)');
      return;
    }
    this.#commit('max_delay');
  }

  #commit(reason: DetectedTurn['reason']): void {
    const turn: DetectedTurn = {
      text: this.text,
      speechStartAt: this.#speechStartAt as number,
      speechEndAt: this.#speechEndAt as number,
      committedAt: this.#clock.now(),
      sttFinalAt: this.#sttFinalAt,
      reason,
    };
    this.reset();
    this.#onCommit(turn);
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }
}
