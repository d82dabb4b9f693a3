/**
 * Convert whatever the application hands the Player into wire bytes of the stream's format.
 * WAV headers are stripped and obeyed wherever they appear (the guide: "send raw audio data
 * only (no WAV headers)"), so that failure cannot happen through the Player.
 */
import { WireEncoder, pcmToWire } from '../audio/codec.js';
import { decodeMulaw } from '../audio/mulaw.js';
import { l16ToPcm } from '../audio/pcm.js';
import { isWav, parseWav, decodeWav, type WavInfo } from '../audio/wav.js';
import { AudioError } from '../errors.js';
import type { StreamFormat } from '../protocol/format.js';

/** Audio the Player accepts. */
export type AudioInput =
  /** PCM16 samples at any rate (resampled to the stream's rate). */
  | { readonly pcm: Int16Array; readonly sampleRate: number }
  /** G.711 mu-law bytes at 8 kHz (passed through untouched on a mu-law stream). */
  | { readonly mulaw: Uint8Array }
  /** A WAV file or the first chunk of a streamed WAV: the header is stripped and obeyed. */
  | { readonly wav: Uint8Array }
  /** Bytes already in the stream's wire format (a WAV header, if present, is still stripped and obeyed). */
  | { readonly wire: Uint8Array };

const SHAPES = '{ pcm: Int16Array, sampleRate }, { mulaw: Uint8Array }, { wav: Uint8Array } or { wire: Uint8Array }';

/**
 * The input, checked: JavaScript callers (and agents fed by other code) can pass anything,
 * and a TypeError from deep in a codec names neither the call nor what was expected.
 */
function checkInput(input: unknown): AudioInput {
  const refuse = (got: string): never => {
    throw new AudioError('AUDIO_INVALID_FORMAT', `audio to play must be one of ${SHAPES} (got ${got})`);
  };
  if (typeof input !== 'object' || input === null) return refuse(input === null ? 'null' : typeof input);
  const o = input as Record<string, unknown>;
  const given = (['pcm', 'mulaw', 'wav', 'wire'] as const).filter((k) => o[k] !== undefined);
  if (given.length !== 1) return refuse(given.length === 0 ? 'none of them' : given.join(' and '));
  const key = given[0] as (typeof given)[number];
  const value = o[key];
  if (key === 'pcm' ? !(value instanceof Int16Array) : !(value instanceof Uint8Array)) {
    refuse(`${key} as ${value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`);
  }
  // Rebuilt with the one source alone, so `'pcm' in input` below cannot meet `pcm: undefined`.
  return key === 'pcm' ? { pcm: value as Int16Array, sampleRate: o.sampleRate as number } : ({ [key]: value } as AudioInput);
}

/** Raw layout remembered from a streamed WAV's header, for the chunks that follow it. */
type RawLayout = { readonly encoding: 'pcm16' | 'mulaw'; readonly sampleRate: number; readonly channels: number };

/**
 * Stateful converter for one Player: one resampler per input rate, and the layout of a
 * streamed WAV so later header-less chunks are read the same way.
 */
export class OutboundConverter {
  readonly #format: StreamFormat;
  #encoder: WireEncoder | undefined;
  #wavLayout: RawLayout | undefined;

  constructor(format: StreamFormat) {
    this.#format = format;
  }

  /**
   * Convert one input to wire bytes (not framed).
   * @throws AudioError AUDIO_INVALID_FORMAT for an input of another shape; AUDIO_UNSUPPORTED_RATE
   * for a PCM rate the resampler does not take; AUDIO_INVALID_WAV for `wav` without a header
   */
  convert(raw: AudioInput): Uint8Array {
    const input = checkInput(raw);
    if ('pcm' in input) return this.#fromPcm(input.pcm, input.sampleRate);
    if ('mulaw' in input) {
      if (this.#format.encoding === 'audio/x-mulaw') return input.mulaw;
      return this.#fromPcm(decodeMulaw(input.mulaw), 8000);
    }
    const bytes = 'wav' in input ? input.wav : input.wire;
    if (isWav(bytes)) return this.#fromWav(parseWav(bytes), bytes);
    if ('wav' in input && this.#wavLayout !== undefined) return this.#fromRaw(bytes, this.#wavLayout);
    if ('wav' in input) throw new AudioError('AUDIO_INVALID_WAV', 'audio passed as wav has no RIFF/WAVE header');
    return bytes;
  }

  /** Forget resampler history (after a clear). */
  reset(): void {
    this.#encoder?.reset();
  }

  destroy(): void {
    this.#encoder?.destroy();
    this.#encoder = undefined;
  }

  #fromPcm(pcm: Int16Array, rate: number): Uint8Array {
    if (rate === this.#format.sampleRate) return pcmToWire(this.#format, pcm);
    if (this.#encoder === undefined || this.#encoder.inputRate !== rate) {
      this.#encoder?.destroy();
      this.#encoder = new WireEncoder(this.#format, rate);
    }
    return this.#encoder.encode(pcm);
  }

  #fromWav(info: WavInfo, whole: Uint8Array): Uint8Array {
    const sameAsWire =
      info.channels === 1 &&
      info.sampleRate === this.#format.sampleRate &&
      ((info.encoding === 'mulaw' && this.#format.encoding === 'audio/x-mulaw') ||
        (info.encoding === 'pcm' && info.bitsPerSample === 16 && this.#format.encoding === 'audio/x-l16'));
    if (info.encoding === 'pcm' && info.bitsPerSample === 16) {
      this.#wavLayout = { encoding: 'pcm16', sampleRate: info.sampleRate, channels: info.channels };
    } else if (info.encoding === 'mulaw') {
      this.#wavLayout = { encoding: 'mulaw', sampleRate: info.sampleRate, channels: info.channels };
    } else this.#wavLayout = undefined;
    if (sameAsWire) return info.data;
    const { samples, sampleRate } = decodeWav(whole);
    return this.#fromPcm(samples, sampleRate);
  }

  #fromRaw(bytes: Uint8Array, layout: RawLayout): Uint8Array {
    const usable = layout.encoding === 'pcm16' ? bytes.subarray(0, bytes.length - (bytes.length % (2 * layout.channels))) : bytes;
    let pcm = layout.encoding === 'pcm16' ? l16ToPcm(usable) : decodeMulaw(usable);
    if (layout.channels > 1) {
      const mono = new Int16Array(Math.floor(pcm.length / layout.channels));
      for (let i = 0; i < mono.length; i++) {
        let sum = 0;
        for (let c = 0; c < layout.channels; c++) sum += pcm[i * layout.channels + c] as number;
        mono[i] = Math.round(sum / layout.channels);
      }
      pcm = mono;
    }
    return this.#fromPcm(pcm, layout.sampleRate);
  }
}
