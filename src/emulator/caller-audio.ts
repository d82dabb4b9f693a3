/**
 * What the caller says, as a FIFO of steps (speech or silence). Each tick takes the next
 * 20 ms frame; with nothing queued the caller is silent, because a phone line streams
 * continuously. A step's promise resolves when its last frame has been sent.
 */
import { CallwireError } from '../errors.js';
import type { PreparedAudio } from './prepared-audio.js';

interface Step {
  readonly audio: PreparedAudio | undefined;
  /** Frames in the step (for silence: its length). */
  readonly frames: number;
  readonly label: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  pos: number;
}

/** The frame chosen for one tick; the same object is reused every tick. */
export interface CallerFrame {
  /** The audio the frame comes from, or undefined for silence. */
  audio: PreparedAudio | undefined;
  /** Frame index within {@link audio}. */
  index: number;
  /** True when the frame is speech. */
  speech: boolean;
  /** The step's label when this frame begins its speech / ends its speech, else undefined. */
  speechStart: string | undefined;
  speechEnd: string | undefined;
}

/** The caller's outgoing audio queue. */
export class CallerAudio {
  readonly maxQueuedFrames: number;
  readonly #steps: Step[] = [];
  #queuedFrames = 0;
  #finished: Step | undefined;
  #closed: Error | undefined;
  readonly #frame: CallerFrame = { audio: undefined, index: 0, speech: false, speechStart: undefined, speechEnd: undefined };

  /** @param maxQueuedMs most audio that may wait to be sent (default 10 minutes) */
  constructor(maxQueuedMs = 600_000) {
    this.maxQueuedFrames = Math.ceil(maxQueuedMs / 20);
  }

  /** Milliseconds of audio waiting to be sent. */
  get queuedMs(): number {
    return this.#queuedFrames * 20;
  }

  /** True while a step is being sent. */
  get busy(): boolean {
    return this.#steps.length > 0;
  }

  /** Queue audio; resolves once its last frame is sent. */
  speak(audio: PreparedAudio, label: string): Promise<void> {
    return this.#push(audio, audio.frames, label);
  }

  /** Queue `ms` of silence; resolves once sent. */
  silence(ms: number): Promise<void> {
    return this.#push(undefined, Math.max(0, Math.round(ms / 20)), `silence ${ms} ms`);
  }

  #push(audio: PreparedAudio | undefined, frames: number, label: string): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (this.#queuedFrames + frames > this.maxQueuedFrames) {
      return Promise.reject(new CallwireError('EMULATOR_QUEUE_FULL', `the caller already has ${this.queuedMs} ms of audio queued`));
    }
    return new Promise<void>((resolve, reject) => {
      if (frames === 0) {
        resolve();
        return;
      }
      this.#steps.push({ audio, frames, label, resolve, reject, pos: 0 });
      this.#queuedFrames += frames;
    });
  }

  /**
   * Take the next frame. Call {@link sent} after the frame went out, which resolves the
   * step it finished, if any.
   */
  next(): CallerFrame {
    const f = this.#frame;
    f.speechStart = undefined;
    f.speechEnd = undefined;
    const step = this.#steps[0];
    if (step === undefined) {
      f.audio = undefined;
      f.speech = false;
      return f;
    }
    const i = step.pos++;
    this.#queuedFrames--;
    f.audio = step.audio;
    f.index = i;
    f.speech = step.audio !== undefined && step.audio.speech[i] === 1;
    if (step.audio !== undefined) {
      if (i === step.audio.firstSpeech) f.speechStart = step.label;
      if (i === step.audio.lastSpeech) f.speechEnd = step.label;
    }
    if (step.pos === step.frames) this.#finished = this.#steps.shift();
    return f;
  }

  /** Resolve the step finished by the frame just sent. */
  sent(): void {
    const done = this.#finished;
    this.#finished = undefined;
    done?.resolve();
  }

  /** Fail every queued step, and any queued later (the call ended). */
  cancel(error: Error): void {
    this.#closed = error;
    this.#finished?.reject(error);
    this.#finished = undefined;
    for (const s of this.#steps.splice(0)) s.reject(error);
    this.#queuedFrames = 0;
  }
}
