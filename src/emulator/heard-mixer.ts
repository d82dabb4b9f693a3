/**
 * Turns each stream's 20 ms of playout into what the caller hears: wire bytes decoded to
 * PCM16 at the call's rate (resampled when a stream's rate differs), mixed when several
 * bidirectional streams play at once. Buffers are reused every tick.
 */
import { silenceByte, WireDecoder } from '../audio/codec.js';
import { decodeMulawInto } from '../audio/mulaw.js';
import { l16ToPcmInto } from '../audio/pcm.js';
import type { StreamLeg } from './stream-leg.js';

interface LegBuffers {
  readonly wire: Uint8Array;
  readonly pcm: Int16Array;
  readonly decoder: WireDecoder | undefined;
}

/** One tick's result; the object and its `pcm` are reused on the next tick. */
export interface HeardFrame {
  /** True when any stream had audio buffered for this frame. */
  hadAudio: boolean;
  /** Offset (ms of audio) of the first sample above the threshold, or -1. */
  loudAtMs: number;
  /** The mixed frame at the call rate (silence when `hadAudio` is false). */
  readonly pcm: Int16Array;
}

/** Per-call playout mixer. */
export class HeardMixer {
  readonly sampleRate: number;
  readonly frameSamples: number;
  readonly #threshold: number;
  readonly #legs = new Map<StreamLeg, LegBuffers>();
  readonly #frame: HeardFrame;

  constructor(sampleRate: number, threshold: number) {
    this.sampleRate = sampleRate;
    this.frameSamples = sampleRate / 50;
    this.#threshold = threshold;
    this.#frame = { hadAudio: false, loudAtMs: -1, pcm: new Int16Array(this.frameSamples) };
  }

  #buffers(leg: StreamLeg): LegBuffers {
    let b = this.#legs.get(leg);
    if (b === undefined) {
      const f = leg.config.format;
      b = {
        wire: new Uint8Array(f.frameBytes),
        pcm: new Int16Array(f.frameSamples),
        decoder: f.sampleRate === this.sampleRate ? undefined : new WireDecoder(f, this.sampleRate),
      };
      this.#legs.set(leg, b);
    }
    return b;
  }

  /** Forget a stream (it ended). */
  remove(leg: StreamLeg): void {
    this.#legs.get(leg)?.decoder?.destroy();
    this.#legs.delete(leg);
  }

  /** Play one tick from every open bidirectional stream. */
  tick(legs: readonly StreamLeg[]): HeardFrame {
    const out = this.#frame;
    out.hadAudio = false;
    out.loudAtMs = -1;
    let mixing = false;
    for (const leg of legs) {
      if (!leg.open || !leg.config.bidirectional) continue;
      const b = this.#buffers(leg);
      const n = leg.playTick(b.wire);
      if (n === 0) continue;
      const format = leg.config.format;
      if (n < b.wire.length) b.wire.fill(silenceByte(format), n);
      let atRate: Int16Array;
      if (b.decoder !== undefined) atRate = b.decoder.decode(b.wire);
      else atRate = format.encoding === 'audio/x-mulaw' ? decodeMulawInto(b.wire, b.pcm) : l16ToPcmInto(b.wire, b.pcm);
      if (!mixing) {
        out.pcm.fill(0);
        mixing = true;
      }
      const dst = out.pcm;
      const len = Math.min(dst.length, atRate.length);
      for (let i = 0; i < len; i++) {
        const v = (dst[i] as number) + (atRate[i] as number);
        dst[i] = Math.max(-32768, Math.min(32767, v));
      }
      out.hadAudio = true;
    }
    if (!mixing) {
      out.pcm.fill(0);
      return out;
    }
    const th = this.#threshold;
    const pcm = out.pcm;
    for (let i = 0; i < pcm.length; i++) {
      const s = pcm[i] as number;
      if (s > th || s < -th) {
        out.loudAtMs = (i * 1000) / this.sampleRate;
        break;
      }
    }
    return out;
  }

  /** Free resamplers. */
  destroy(): void {
    for (const b of this.#legs.values()) b.decoder?.destroy();
    this.#legs.clear();
  }
}
