/**
 * Per-track ordering of inbound media. Plivo numbers `media.chunk` per track ("Chunk
 * sequence number for this track",
 * https://www.plivo.com/docs/voice-agents/audio-streaming/concepts/audio-streaming-reference):
 * with `audioTrack="both"` the caller's (`inbound`) and the call's own (`outbound`) frames
 * carry independent counters and interleave in any order, so one shared counter would drop
 * the caller's frames as late. Each track keeps its own last chunk, gap count and audio
 * position.
 */

/** The two tracks Plivo streams (`media.track`), per the Stream XML `audioTrack` attribute. */
export type MediaTrack = 'inbound' | 'outbound';

/** What to do with one frame of a track. */
export type TrackVerdict = { readonly kind: 'accept'; readonly gap: number; readonly audioMs: number } | { readonly kind: 'late' };

interface TrackState {
  lastChunk: number;
  audioMs: number;
}

/** Read a wire `media.track` value; anything else is not a track Plivo documents. */
export function mediaTrack(value: string): MediaTrack | undefined {
  return value === 'inbound' || value === 'outbound' ? value : undefined;
}

export class TrackSequencer {
  readonly #tracks: Record<MediaTrack, TrackState> = {
    inbound: { lastChunk: 0, audioMs: 0 },
    outbound: { lastChunk: 0, audioMs: 0 },
  };

  /**
   * Judge a frame of `track` numbered `chunk` (0 = unnumbered, always accepted) and lasting
   * `durationMs`. An accepted frame advances the track's audio position; `audioMs` is the
   * position before it, `gap` how many chunks of this track went missing just before it.
   */
  next(track: MediaTrack, chunk: number, durationMs: number): TrackVerdict {
    const t = this.#tracks[track];
    let gap = 0;
    if (chunk > 0) {
      // Duplicate or out of order within its own track: its moment has passed.
      if (chunk <= t.lastChunk) return { kind: 'late' };
      if (t.lastChunk > 0) gap = chunk - t.lastChunk - 1;
      t.lastChunk = chunk;
    }
    const audioMs = t.audioMs;
    t.audioMs += durationMs;
    return { kind: 'accept', gap, audioMs };
  }
}
