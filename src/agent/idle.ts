/**
 * Idle policy: when neither side has spoken for `afterMs`, say a prompt ("Are you still
 * there?"); after `maxPrompts` unanswered prompts, say goodbye and hang up. Any caller
 * speech or DTMF resets it; bot speech pauses it.
 */
import type { Clock, TimerHandle } from '../clock.js';

/** Idle settings. */
export interface IdleOptions {
  /** Silence before a prompt, ms (default 10 s; 0 disables). */
  readonly afterMs?: number;
  /** Prompts to cycle through. */
  readonly prompts?: readonly string[];
  /** Unanswered prompts before hanging up (default 2). */
  readonly maxPrompts?: number;
  /** Said before hanging up. */
  readonly goodbye?: string;
}

export const IDLE_DEFAULTS = {
  afterMs: 10_000,
  prompts: ['Are you still there?', 'Hello? I can hear you if you speak now.'],
  maxPrompts: 2,
  goodbye: 'It seems you have stepped away. Goodbye.',
} as const;

export class IdleMonitor {
  readonly #clock: Clock;
  readonly #afterMs: number;
  readonly #maxPrompts: number;
  readonly #onPrompt: (n: number) => void;
  readonly #onGiveUp: () => void;
  #timer: TimerHandle | undefined;
  #prompts = 0;
  #paused = false;
  #stopped = false;

  constructor(clock: Clock, options: IdleOptions, onPrompt: (n: number) => void, onGiveUp: () => void) {
    this.#clock = clock;
    this.#afterMs = options.afterMs ?? IDLE_DEFAULTS.afterMs;
    this.#maxPrompts = options.maxPrompts ?? IDLE_DEFAULTS.maxPrompts;
    this.#onPrompt = onPrompt;
    this.#onGiveUp = onGiveUp;
  }

  /** The caller did something: prompts start over. */
  activity(): void {
    this.#prompts = 0;
    this.#restart();
  }

  /** The bot started speaking: no idle counting meanwhile. */
  pause(): void {
    this.#paused = true;
    this.#cancel();
  }

  /** The bot finished speaking: count silence from now. */
  resume(): void {
    this.#paused = false;
    this.#restart();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel();
  }

  #restart(): void {
    this.#cancel();
    if (this.#stopped || this.#paused || this.#afterMs <= 0) return;
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      if (this.#prompts >= this.#maxPrompts) {
        this.stop();
        this.#onGiveUp();
        return;
      }
      this.#prompts++;
      this.#onPrompt(this.#prompts);
      // Re-arm: speaking the prompt pauses us (and resume() restarts the count); if the prompt
      // could not be spoken, the count still goes on, so the call cannot hang forever.
      this.#restart();
    }, this.#afterMs);
  }

  #cancel(): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }
}
