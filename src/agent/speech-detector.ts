/**
 * Speech detection with hysteresis: the layer the agent's turn-taking and barge-in use on
 * top of a frame-level {@link Vad}. Push caller audio in chunks of any size; it is cut into
 * VAD frames, each frame is classified, and `speech_start` / `speech_end` events come out
 * once speech has lasted `minSpeechMs` and once silence has lasted `minSilenceMs`.
 *
 * Times are audio milliseconds since the detector's first sample, derived from the sample
 * count: the same audio gives the same events, whatever the wall clock or chunking did.
 */
import { dbfs } from '../audio/level.js';
import { ConfigError } from '../errors.js';
import type { Vad, VadProvider } from '../providers/types.js';

/** What the detector reports. */
export type SpeechEvent =
  | {
      readonly type: 'speech_start';
      /** Audio ms where the speech began (start of its first voiced frame). */
      readonly startMs: number;
      /** Audio ms when the decision was made (end of the frame that reached `minSpeechMs`). */
      readonly atMs: number;
    }
  | {
      readonly type: 'speech_end';
      /** Audio ms where the speech ended (end of its last voiced frame). */
      readonly endMs: number;
      /** Audio ms when the decision was made (end of the frame that reached `minSilenceMs`). */
      readonly atMs: number;
      /** `endMs` minus the run's `startMs`, pauses inside it included. */
      readonly durationMs: number;
    };

/** Settings of a {@link SpeechDetector}; every field has a phone-audio default. */
export interface SpeechDetectorOptions {
  /**
   * Voiced audio needed before `speech_start`; default 200 ms. A cough, a click or a
   * "mm" backchannel is shorter, so it does not barge in on the bot; a real word is longer.
   */
  readonly minSpeechMs?: number;
  /**
   * Unvoiced audio needed before `speech_end`; default 400 ms. Pauses between words and
   * at commas in phone speech are mostly under 300 ms; the agent's end-of-turn policy can
   * wait longer on top of this, but never less.
   */
  readonly minSilenceMs?: number;
  /**
   * While speech is starting, unvoiced gaps up to this long do not reset the count toward
   * `minSpeechMs`; default 40 ms (two frames). The WebRTC VAD drops single frames inside
   * words (stop consonants), which would otherwise delay onset by a syllable. 0 = strict.
   */
  readonly onsetGapMs?: number;
  /**
   * Frames quieter than this (dBFS, RMS) count as silence whatever the VAD says; default
   * -50. Phone line hiss and comfort noise sit around -60 to -50 dBFS, speech at -35 to
   * -15. `null` disables the floor.
   */
  readonly energyFloorDbfs?: number | null;
  /** VAD probability at or above which a frame is voiced; default 0.5 (binary VADs give 0/1). */
  readonly threshold?: number;
}

const DEFAULTS = {
  minSpeechMs: 200,
  minSilenceMs: 400,
  onsetGapMs: 40,
  energyFloorDbfs: -50,
  threshold: 0.5,
} as const;

const NO_EVENTS: readonly SpeechEvent[] = Object.freeze([]);

function checkMs(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0 || v > 60_000) throw new ConfigError('CONFIG_INVALID', `${name} must be 0-60000 ms (got ${v})`);
  return v;
}

/** A hysteresis speech detector over one {@link Vad}, which it owns (see {@link SpeechDetector.destroy}). */
export class SpeechDetector {
  readonly #vad: Vad;
  readonly #frame: Int16Array;
  #fill = 0;
  readonly #rate: number;
  readonly #minSpeechMs: number;
  readonly #minSilenceMs: number;
  readonly #onsetGapMs: number;
  readonly #floor: number;
  readonly #threshold: number;

  /** Samples framed and classified so far. */
  #samples = 0;
  #speaking = false;
  /** Start of the current run (candidate or confirmed), ms; -1 when none. */
  #runStartMs = -1;
  #voicedMs = 0;
  #gapMs = 0;
  #lastVoicedEndMs = 0;
  #levelDbfs = Number.NEGATIVE_INFINITY;
  #probability = 0;

  constructor(vad: Vad, options: SpeechDetectorOptions = {}) {
    this.#vad = vad;
    this.#rate = vad.sampleRate;
    this.#frame = new Int16Array(vad.frameSamples);
    this.#minSpeechMs = checkMs('minSpeechMs', options.minSpeechMs ?? DEFAULTS.minSpeechMs);
    this.#minSilenceMs = checkMs('minSilenceMs', options.minSilenceMs ?? DEFAULTS.minSilenceMs);
    this.#onsetGapMs = checkMs('onsetGapMs', options.onsetGapMs ?? DEFAULTS.onsetGapMs);
    const floor = options.energyFloorDbfs === undefined ? DEFAULTS.energyFloorDbfs : options.energyFloorDbfs;
    if (floor !== null && (Number.isNaN(floor) || floor > 0)) {
      throw new ConfigError('CONFIG_INVALID', `energyFloorDbfs must be a level <= 0 dBFS or null (got ${floor})`);
    }
    this.#floor = floor ?? Number.NEGATIVE_INFINITY;
    const threshold = options.threshold ?? DEFAULTS.threshold;
    if (!(threshold > 0 && threshold <= 1)) throw new ConfigError('CONFIG_INVALID', `threshold must be in (0, 1] (got ${threshold})`);
    this.#threshold = threshold;
  }

  /** Create a VAD from `provider` at `sampleRate` and wrap it. */
  static async create(provider: VadProvider, sampleRate: number, options?: SpeechDetectorOptions): Promise<SpeechDetector> {
    return new SpeechDetector(await provider.create(sampleRate), options);
  }

  /** The rate pushed audio must be at (the VAD's). */
  get sampleRate(): number {
    return this.#rate;
  }

  /** True between `speech_start` and `speech_end`. */
  get speaking(): boolean {
    return this.#speaking;
  }

  /** Audio ms classified so far (a partial frame waiting for more samples is not counted). */
  get processedMs(): number {
    return this.#ms(this.#samples);
  }

  /** Length of the current speech run in ms (from its start to now), 0 when not speaking. */
  get speechMs(): number {
    return this.#speaking ? this.processedMs - this.#runStartMs : 0;
  }

  /** Trailing unvoiced ms inside the current speech run (0 when not speaking). */
  get silenceMs(): number {
    return this.#speaking ? this.processedMs - this.#lastVoicedEndMs : 0;
  }

  /** RMS level of the last frame in dBFS (-Infinity for digital silence or before any frame). */
  get levelDbfs(): number {
    return this.#levelDbfs;
  }

  /** The VAD's output for the last frame (0..1). */
  get probability(): number {
    return this.#probability;
  }

  /**
   * Add PCM16 at {@link sampleRate}, any length. Returns the events the new audio caused,
   * in order (usually none). The input may be reused by the caller afterwards.
   */
  push(pcm: Int16Array): readonly SpeechEvent[] {
    let events: SpeechEvent[] | undefined;
    let i = 0;
    const n = this.#frame.length;
    while (i < pcm.length) {
      const take = Math.min(n - this.#fill, pcm.length - i);
      this.#frame.set(pcm.subarray(i, i + take), this.#fill);
      this.#fill += take;
      i += take;
      if (this.#fill === n) {
        this.#fill = 0;
        const e = this.#classify();
        if (e !== undefined) (events ??= []).push(e);
      }
    }
    return events ?? NO_EVENTS;
  }

  /**
   * The audio has ended (the call hung up): closes an open speech run with `speech_end`
   * at the last voiced frame, decided now. A partial frame is discarded.
   */
  end(): readonly SpeechEvent[] {
    this.#fill = 0;
    if (!this.#speaking) return NO_EVENTS;
    const e = this.#endRun(this.processedMs);
    return [e];
  }

  /** Forget the current run and the VAD's adaptation; audio time keeps counting. */
  reset(): void {
    this.#fill = 0;
    this.#speaking = false;
    this.#runStartMs = -1;
    this.#voicedMs = 0;
    this.#gapMs = 0;
    this.#vad.reset();
  }

  /** Free the VAD. */
  destroy(): void {
    this.#vad.destroy();
  }

  #ms(samples: number): number {
    return (samples * 1000) / this.#rate;
  }

  #classify(): SpeechEvent | undefined {
    const frame = this.#frame;
    const startMs = this.#ms(this.#samples);
    this.#samples += frame.length;
    const endMs = this.#ms(this.#samples);
    const frameMs = endMs - startMs;
    this.#levelDbfs = dbfs(frame);
    // The VAD still sees quiet frames so its noise model keeps adapting.
    this.#probability = this.#vad.process(frame);
    const voiced = this.#probability >= this.#threshold && this.#levelDbfs >= this.#floor;

    if (this.#speaking) {
      if (voiced) {
        this.#lastVoicedEndMs = endMs;
        return undefined;
      }
      return endMs - this.#lastVoicedEndMs >= this.#minSilenceMs ? this.#endRun(endMs) : undefined;
    }
    if (voiced) {
      if (this.#runStartMs < 0) this.#runStartMs = startMs;
      this.#voicedMs += frameMs;
      this.#gapMs = 0;
      this.#lastVoicedEndMs = endMs;
      if (this.#voicedMs >= this.#minSpeechMs) {
        this.#speaking = true;
        return { type: 'speech_start', startMs: this.#runStartMs, atMs: endMs };
      }
    } else if (this.#runStartMs >= 0) {
      this.#gapMs += frameMs;
      if (this.#gapMs > this.#onsetGapMs) this.#cancelRun();
    }
    return undefined;
  }

  #endRun(atMs: number): SpeechEvent {
    const e: SpeechEvent = { type: 'speech_end', endMs: this.#lastVoicedEndMs, atMs, durationMs: this.#lastVoicedEndMs - this.#runStartMs };
    this.#speaking = false;
    this.#cancelRun();
    return e;
  }

  #cancelRun(): void {
    this.#runStartMs = -1;
    this.#voicedMs = 0;
    this.#gapMs = 0;
  }
}
