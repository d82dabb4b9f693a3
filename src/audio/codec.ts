/**
 * Conversion between PCM16 at any rate and a stream's wire audio (mu-law 8k, L16 8k or
 * L16 16k), with one resampler state per direction so frames join cleanly.
 */
import { decodeMulawInto, encodeMulawInto } from './mulaw.js';
import { l16ToPcmInto, pcmToL16Into } from './pcm.js';
import { type Resampler, createResampler } from './resampler.js';

/** The parts of a stream format the audio core needs (StreamFormat satisfies this). */
export interface WireAudioFormat {
  readonly encoding: 'audio/x-mulaw' | 'audio/x-l16';
  readonly sampleRate: number;
}

/** Wire bytes of `format` -> PCM16 at the format's own rate (no resampling). */
export function wireToPcm(format: WireAudioFormat, bytes: Uint8Array): Int16Array {
  return format.encoding === 'audio/x-mulaw'
    ? decodeMulawInto(bytes, new Int16Array(bytes.length))
    : l16ToPcmInto(bytes, new Int16Array(bytes.length >> 1));
}

/** PCM16 at the format's own rate -> wire bytes of `format` (no resampling). */
export function pcmToWire(format: WireAudioFormat, pcm: Int16Array): Uint8Array {
  return format.encoding === 'audio/x-mulaw'
    ? encodeMulawInto(pcm, new Uint8Array(pcm.length))
    : pcmToL16Into(pcm, new Uint8Array(pcm.length * 2));
}

/** The wire byte value of silence for a format (0xFF for mu-law, 0 for L16). */
export function silenceByte(format: WireAudioFormat): number {
  return format.encoding === 'audio/x-mulaw' ? 0xff : 0;
}

/** Streaming PCM16 (any rate) -> wire bytes. */
export class WireEncoder {
  readonly #format: WireAudioFormat;
  readonly #resampler: Resampler;

  constructor(format: WireAudioFormat, inputRate: number) {
    this.#format = format;
    this.#resampler = createResampler(inputRate, format.sampleRate);
  }

  get inputRate(): number {
    return this.#resampler.inputRate;
  }

  /** Convert the next chunk. */
  encode(pcm: Int16Array): Uint8Array {
    const atRate = this.#resampler.inputRate === this.#resampler.outputRate ? pcm : this.#resampler.process(pcm);
    return pcmToWire(this.#format, atRate);
  }

  /** Convert what the resampler still holds (end of an utterance). */
  flush(): Uint8Array {
    return pcmToWire(this.#format, this.#resampler.flush());
  }

  /** Forget resampler history (after a cut). */
  reset(): void {
    this.#resampler.reset();
  }

  destroy(): void {
    this.#resampler.destroy();
  }
}

/** Streaming wire bytes -> PCM16 at a chosen rate. */
export class WireDecoder {
  readonly #format: WireAudioFormat;
  readonly #resampler: Resampler;

  constructor(format: WireAudioFormat, outputRate: number) {
    this.#format = format;
    this.#resampler = createResampler(format.sampleRate, outputRate);
  }

  get outputRate(): number {
    return this.#resampler.outputRate;
  }

  /** Convert the next chunk of wire bytes. */
  decode(bytes: Uint8Array): Int16Array {
    const pcm = wireToPcm(this.#format, bytes);
    return this.#resampler.inputRate === this.#resampler.outputRate ? pcm : this.#resampler.process(pcm);
  }

  reset(): void {
    this.#resampler.reset();
  }

  destroy(): void {
    this.#resampler.destroy();
  }
}
