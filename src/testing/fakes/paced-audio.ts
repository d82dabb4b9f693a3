/**
 * Streams audio like a TTS vendor: the first chunk after the time to first byte, then one
 * chunk per `chunkMs` of audio scaled by the real-time factor (0 = as fast as possible, 0.5 =
 * twice real time, 1 = real time).
 */
import { bytesPerMs as specBytesPerMs, sampleBytes } from '../../providers/audio-spec.js';
import type { AudioSpec } from '../../providers/types.js';
import type { Timeline } from './timeline.js';

/** Pacing of a fake TTS. */
export interface AudioPacing {
  /** Delay before the first chunk; default 0. */
  readonly ttfbMs?: number;
  /** Generation time per second of audio, relative (0 = instant); default 0. */
  readonly realTimeFactor?: number;
  /** Audio per chunk; default 40 ms. */
  readonly chunkMs?: number;
}

/**
 * Schedule `bytes` on `timeline` in chunks, starting `startMs` from now. `send` receives each
 * chunk and whether it is the last; returns the offset after the last chunk, so a caller can
 * queue more audio behind it.
 */
export function schedulePacedAudio(
  timeline: Timeline,
  bytes: Uint8Array,
  spec: AudioSpec,
  pacing: AudioPacing,
  startMs: number,
  send: (chunk: Uint8Array, last: boolean) => void,
): number {
  const chunkMs = pacing.chunkMs ?? 40;
  const rtf = pacing.realTimeFactor ?? 0;
  const bytesPerMs = specBytesPerMs(spec);
  // Whole samples per chunk: a 2-byte PCM16 sample is never split.
  const sample = sampleBytes(spec);
  const chunkBytes = Math.max(sample, Math.floor((chunkMs * bytesPerMs) / sample) * sample);
  let t = startMs;
  if (bytes.length === 0) {
    timeline.at(t, () => send(bytes, true));
    return t;
  }
  for (let off = 0; off < bytes.length; off += chunkBytes) {
    const piece = bytes.subarray(off, Math.min(bytes.length, off + chunkBytes));
    const last = off + chunkBytes >= bytes.length;
    timeline.at(t, () => send(piece, last));
    t += (piece.length / bytesPerMs) * rtf;
  }
  return t;
}
