/** Byte-level helpers for a provider {@link AudioSpec} (mu-law or PCM16 little-endian). */
import { decodeMulaw, encodeMulaw } from '../audio/mulaw.js';
import { l16ToPcm, pcmToL16 } from '../audio/pcm.js';
import type { AudioSpec } from './types.js';

/** Bytes per millisecond of audio in `spec` (mono). */
export function bytesPerMs(spec: AudioSpec): number {
  return ((spec.encoding === 'mulaw' ? 1 : 2) * spec.sampleRate) / 1000;
}

/** Bytes of one sample (1 for mu-law, 2 for PCM16). */
export function sampleBytes(spec: AudioSpec): number {
  return spec.encoding === 'mulaw' ? 1 : 2;
}

/** Audio bytes in `spec` -> PCM16 samples at the spec's rate. */
export function specToPcm(spec: AudioSpec, bytes: Uint8Array): Int16Array {
  return spec.encoding === 'mulaw' ? decodeMulaw(bytes) : l16ToPcm(bytes.length % 2 === 0 ? bytes : bytes.subarray(0, bytes.length - 1));
}

/** PCM16 samples at the spec's rate -> audio bytes in `spec`. */
export function pcmToSpec(spec: AudioSpec, pcm: Int16Array): Uint8Array {
  return spec.encoding === 'mulaw' ? encodeMulaw(pcm) : pcmToL16(pcm);
}

/** Whether two specs are the same format. */
export function sameSpec(a: AudioSpec, b: AudioSpec): boolean {
  return a.encoding === b.encoding && a.sampleRate === b.sampleRate;
}

/** `mulaw/8000`-style label for messages. */
export function specLabel(spec: AudioSpec): string {
  return `${spec.encoding}/${spec.sampleRate}`;
}

/** The first of `preferred` that `supported` lists, else `supported[0]` (the vendor's best). */
export function chooseFormat(preferred: readonly AudioSpec[], supported: readonly AudioSpec[]): AudioSpec {
  for (const p of preferred) if (supported.some((s) => sameSpec(s, p))) return p;
  return supported[0] as AudioSpec;
}
