/**
 * Streaming resampler: SpeexDSP's resampler compiled to WASM (SIMD build), one state per
 * call and direction. State carries across calls, so 20 ms frames join without clicks and
 * output lengths track input * ratio exactly over time (docs/ecosystem.md §4: 8k->16k at
 * quality 5 costs about 6 us per frame, SNR 86 dB).
 *
 * The WASM module is loaded once, with top-level await, when this module is first imported.
 */
import speexFactory, { type SpeexModule } from '@echogarden/speex-resampler-wasm/simd';
import { AudioError } from '../errors.js';
import { concatPcm } from './pcm.js';
import { checkSampleRate } from './rate.js';

const speex: SpeexModule = await speexFactory();

/** Sample rates the resampler is tested at. Any whole rate from 1000 to 384000 Hz works (RATE_RANGE in rate.ts). */
export const SUPPORTED_RATES = [8000, 16000, 22050, 24000, 44100, 48000] as const;

/** A streaming mono PCM16 resampler. */
export interface Resampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Resample the next chunk; the output is a new array owned by the caller. */
  process(input: Int16Array): Int16Array;
  /** Push out the samples still held in the filter (about input latency worth of zeros are fed). */
  flush(): Int16Array;
  /** Forget history (e.g. after a barge-in cut), keeping the state allocated. */
  reset(): void;
  /** Free the WASM state. Further calls throw AUDIO_DESTROYED. */
  destroy(): void;
}

/** Options of {@link createResampler}. */
export interface ResamplerOptions {
  /** Speex quality 0-10; default 5 (telephony-grade, 86 dB SNR at 8k->16k). */
  quality?: number;
}

class PassThrough implements Resampler {
  constructor(readonly inputRate: number) {}
  get outputRate(): number {
    return this.inputRate;
  }
  process(input: Int16Array): Int16Array {
    return input.slice();
  }
  flush(): Int16Array {
    return new Int16Array(0);
  }
  reset(): void {}
  destroy(): void {}
}

// Safety net: a state whose owner forgot destroy() is freed when the owner is collected.
const registry = new FinalizationRegistry<{ state: number; buf: number }>((held) => {
  speex._speex_resampler_destroy(held.state);
  speex._free(held.buf);
});

class SpeexResampler implements Resampler {
  #state: number;
  #buf = 0;
  #capacity = 0; // samples, split evenly: [input | output]
  readonly #token = {};
  readonly #held: { state: number; buf: number };

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    quality: number,
  ) {
    const err = speex._malloc(4);
    this.#state = speex._speex_resampler_init(1, inputRate, outputRate, quality, err);
    const code = speex.HEAP32[err >> 2];
    speex._free(err);
    if (this.#state === 0 || code !== 0) {
      throw new AudioError('AUDIO_RESAMPLER_FAILED', `speex_resampler_init(${inputRate} -> ${outputRate}) failed with ${code}`);
    }
    this.#held = { state: this.#state, buf: 0 };
    registry.register(this, this.#held, this.#token);
  }

  #ensure(inputSamples: number): void {
    const outNeeded = Math.ceil((inputSamples * this.outputRate) / this.inputRate) + 64;
    const need = Math.max(inputSamples, outNeeded);
    if (need <= this.#capacity) return;
    if (this.#buf !== 0) speex._free(this.#buf);
    this.#capacity = Math.max(need, 4096);
    // two regions of #capacity samples plus two int32 length slots
    this.#buf = speex._malloc(this.#capacity * 4 + 8);
    this.#held.buf = this.#buf;
  }

  process(input: Int16Array): Int16Array {
    if (this.#state === 0) throw new AudioError('AUDIO_DESTROYED', 'resampler used after destroy()');
    if (input.length === 0) return new Int16Array(0);
    this.#ensure(input.length);
    const inPtr = this.#buf;
    const outPtr = this.#buf + this.#capacity * 2;
    const lenPtr = this.#buf + this.#capacity * 4;
    // HEAP views can be replaced when WASM memory grows: read them after any malloc.
    speex.HEAP16.set(input, inPtr >> 1);
    const chunks: Int16Array[] = [];
    let offset = 0;
    while (offset < input.length) {
      speex.HEAP32[lenPtr >> 2] = input.length - offset;
      speex.HEAP32[(lenPtr >> 2) + 1] = this.#capacity;
      const rc = speex._speex_resampler_process_int(this.#state, 0, inPtr + offset * 2, lenPtr, outPtr, lenPtr + 4);
      if (rc !== 0) throw new AudioError('AUDIO_RESAMPLER_FAILED', `speex_resampler_process_int failed with ${rc}`);
      const consumed = speex.HEAP32[lenPtr >> 2] as number;
      const produced = speex.HEAP32[(lenPtr >> 2) + 1] as number;
      chunks.push(speex.HEAP16.slice(outPtr >> 1, (outPtr >> 1) + produced));
      offset += consumed;
      if (consumed === 0 && produced === 0) break;
    }
    return chunks.length === 1 ? (chunks[0] as Int16Array) : concatPcm(chunks);
  }

  flush(): Int16Array {
    if (this.#state === 0) throw new AudioError('AUDIO_DESTROYED', 'resampler used after destroy()');
    const latency = speex._speex_resampler_get_input_latency(this.#state);
    return this.process(new Int16Array(latency));
  }

  reset(): void {
    if (this.#state !== 0) speex._speex_resampler_reset_mem(this.#state);
  }

  destroy(): void {
    if (this.#state === 0) return;
    registry.unregister(this.#token);
    speex._speex_resampler_destroy(this.#state);
    if (this.#buf !== 0) speex._free(this.#buf);
    this.#state = 0;
    this.#buf = 0;
  }
}

/**
 * Create a streaming resampler. Returns a pass-through when the rates are equal.
 * @throws AudioError AUDIO_UNSUPPORTED_RATE for a rate that is not a whole number of Hz from 1000 to 384000
 */
export function createResampler(inputRate: number, outputRate: number, options: ResamplerOptions = {}): Resampler {
  checkSampleRate(inputRate);
  checkSampleRate(outputRate);
  if (inputRate === outputRate) return new PassThrough(inputRate);
  const quality = options.quality ?? 5;
  if (!Number.isInteger(quality) || quality < 0 || quality > 10) {
    throw new AudioError('AUDIO_RESAMPLER_FAILED', 'resampler quality must be an integer 0-10');
  }
  return new SpeexResampler(inputRate, outputRate, quality);
}
