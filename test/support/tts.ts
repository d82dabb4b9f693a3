/** Helpers for TTS provider tests. */
import { concatBytes } from '../../src/audio/pcm.js';
import type { AudioSpec, ProviderMetric, TtsOpenOptions } from '../../src/providers/types.js';

/** Open options for a test call. */
export function ttsOpen(preferred: readonly AudioSpec[], extra: { signal?: AbortSignal; metrics?: ProviderMetric[]; voice?: string } = {}): TtsOpenOptions {
  return {
    preferred,
    voice: extra.voice,
    signal: extra.signal ?? new AbortController().signal,
    callId: 'call-1',
    streamId: 'stream-1',
    now: () => performance.now(),
    onMetric: (m) => extra.metrics?.push(m),
  };
}

/** All audio of a segment. */
export async function audioOf(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return concatBytes(parts);
}

/** Text pieces produced like LLM tokens, `gapMs` apart. */
export async function* tokens(pieces: readonly string[], gapMs: number, onYield?: (i: number) => void): AsyncGenerator<string> {
  for (const [i, p] of pieces.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
    onYield?.(i);
    yield p;
  }
}

export const MULAW_8K: AudioSpec = { encoding: 'mulaw', sampleRate: 8000 };
export const L16_16K: AudioSpec = { encoding: 'pcm16', sampleRate: 16000 };
