/** Caller audio for STT tests: utterances separated by silence, pushed in 20 ms frames. */
import { silence } from '../../src/audio/generate.js';
import { concatPcm } from '../../src/audio/pcm.js';
import { pcmToSpec } from '../../src/providers/audio-spec.js';
import type { AudioSpec, SttSession } from '../../src/providers/types.js';
import { syntheticSpeech } from '../../src/testing/fakes/synthetic-speech.js';

/** PCM16: `leadMs` of silence, then each utterance (speech-like signal) followed by `gapMs` of silence. */
export function callerPcm(texts: readonly string[], sampleRate: number, leadMs = 500, gapMs = 1500): Int16Array {
  const parts: Int16Array[] = [silence(leadMs, sampleRate)];
  for (const t of texts) {
    parts.push(syntheticSpeech(t, sampleRate, { msPerChar: 70 }).pcm, silence(gapMs, sampleRate));
  }
  return concatPcm(parts);
}

/** Push `bytes` as 20 ms frames, `speed` times faster than real time (awaiting between frames). */
export async function feed(session: SttSession, spec: AudioSpec, bytes: Uint8Array, speed = 8): Promise<void> {
  const frame = (spec.encoding === 'mulaw' ? 1 : 2) * (spec.sampleRate / 50);
  for (let off = 0; off < bytes.length; off += frame) {
    session.push(bytes.subarray(off, off + frame));
    await new Promise((r) => setTimeout(r, 20 / speed));
  }
}

/** Encode PCM for a spec. */
export function toSpec(spec: AudioSpec, pcm: Int16Array): Uint8Array {
  return pcmToSpec(spec, pcm);
}
