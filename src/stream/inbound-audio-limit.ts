/**
 * What one stream may send, in audio time, not messages: a real call sends one second of
 * audio per second, in 20 ms frames. Counting messages let one client send 24 s of audio in
 * each 190 KB `media` frame, 40 frames a second (960x real time: the event loop lagged and a
 * healthy call beside it got gaps), and would have forwarded all of it to the STT provider.
 *
 * - Per frame: at most `maxFrameMs` of audio (a sane maximum for one frame of the negotiated
 *   format; Plivo sends 20 ms).
 * - Over time: a {@link TokenBucket} in audio ms, refilled at `msPerSecond` (1000: real time),
 *   holding `burstMs`, so frames a network stall held back still arrive at once.
 *
 * Since nothing past it reaches the agent, the agent never forwards more than real time (plus
 * the burst) to a provider.
 */
import { StreamError } from '../errors.js';
import type { StreamFormat } from '../protocol/format.js';
import { TokenBucket } from '../token-bucket.js';

/** Limits on the audio one stream sends. */
export interface InboundAudioLimits {
  /** Audio ms a stream may send per second, sustained (default 1000: real time). */
  readonly msPerSecond: number;
  /** Audio ms over the sustained rate that may arrive at once (default 40 000, as the message burst of 2000 frames). */
  readonly burstMs: number;
  /** Most audio in one `media` frame, ms (default 1000). */
  readonly maxFrameMs: number;
}

/** Defaults: real time, a 40 s burst, frames of at most one second. */
export const INBOUND_AUDIO_DEFAULTS: InboundAudioLimits = { msPerSecond: 1000, burstMs: 40_000, maxFrameMs: 1000 };

/** Why a frame was refused: the stream is closed with 1008 and this reason. */
export interface AudioLimitBreach {
  readonly reason: string;
  readonly error: StreamError;
}

/** One stream's inbound audio budget. */
export class InboundAudioLimit {
  readonly #limits: InboundAudioLimits;
  readonly #bucket: TokenBucket;

  constructor(limits: Partial<InboundAudioLimits>, now: number) {
    this.#limits = { ...INBOUND_AUDIO_DEFAULTS, ...limits };
    this.#bucket = new TokenBucket(this.#limits.burstMs, this.#limits.msPerSecond, now);
  }

  /** Admit a frame of `bytes` wire bytes in `format` at `now`; a breach when it is over a limit. */
  admit(bytes: number, format: StreamFormat, now: number): AudioLimitBreach | undefined {
    const ms = (bytes / (format.bytesPerSample * format.sampleRate)) * 1000;
    const l = this.#limits;
    if (ms > l.maxFrameMs) {
      return {
        reason: 'media frame over the audio limit',
        error: new StreamError('STREAM_FRAME_TOO_LONG', `a media frame of ${Math.round(ms)} ms of audio (${bytes} bytes); at most ${l.maxFrameMs} ms per frame (Plivo sends 20 ms)`, { details: { ms: Math.round(ms), bytes, maxFrameMs: l.maxFrameMs } }),
      };
    }
    if (!this.#bucket.take(now, ms)) {
      return {
        reason: 'inbound audio faster than real time',
        error: new StreamError('STREAM_AUDIO_OVER_REALTIME', `more than ${l.msPerSecond} ms of audio a second (burst ${l.burstMs} ms); a call sends one second a second`, { details: { msPerSecond: l.msPerSecond, burstMs: l.burstMs } }),
      };
    }
    return undefined;
  }
}
