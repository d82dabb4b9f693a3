/**
 * G.711 mu-law, table driven: a 256-entry decode table and a 65,536-entry encode table
 * built once from the reference algorithm (ITU-T G.711, bias 0x84, clip 32635). Bit-exact
 * with `alawmulaw` over every input (see test/audio/mulaw.test.ts). The `...Into` variants
 * write into a caller's buffer for the per-frame hot path.
 */
import { AudioError } from '../errors.js';

const BIAS = 0x84;
const CLIP = 32635;

function encodeReference(sample: number): number {
  let s = sample;
  const sign = (s >> 8) & 0x80;
  if (sign !== 0) s = -s;
  s += BIAS;
  if (s > CLIP) s = CLIP;
  // Exponent = position of the highest set bit, counted from bit 7 (s >= 132, so 0..7).
  const exponent = 31 - Math.clz32(s) - 7;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function decodeReference(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
  return (u & 0x80) !== 0 ? -magnitude : magnitude;
}

/** mu-law byte -> PCM16 sample. */
export const MULAW_DECODE_TABLE: Int16Array = new Int16Array(256);
/** PCM16 sample (as `sample & 0xffff`) -> mu-law byte. */
export const MULAW_ENCODE_TABLE: Uint8Array = new Uint8Array(65536);
for (let b = 0; b < 256; b++) MULAW_DECODE_TABLE[b] = decodeReference(b);
for (let i = 0; i < 65536; i++) MULAW_ENCODE_TABLE[i] = encodeReference(i >= 32768 ? i - 65536 : i);

/** The mu-law byte for digital silence (PCM 0). */
export const MULAW_SILENCE = 0xff;

/** Encode one PCM16 sample. */
export function mulawEncodeSample(sample: number): number {
  return MULAW_ENCODE_TABLE[sample & 0xffff] as number;
}

/** Decode one mu-law byte. */
export function mulawDecodeSample(byte: number): number {
  return MULAW_DECODE_TABLE[byte & 0xff] as number;
}

/** Encode PCM16 into `out` (same length or longer); returns the written view. */
export function encodeMulawInto(pcm: Int16Array, out: Uint8Array): Uint8Array {
  const n = pcm.length;
  if (out.length < n) throw new AudioError('AUDIO_BUFFER_TOO_SMALL', `output holds ${out.length} bytes, need ${n}`);
  for (let i = 0; i < n; i++) out[i] = MULAW_ENCODE_TABLE[(pcm[i] as number) & 0xffff] as number;
  return n === out.length ? out : out.subarray(0, n);
}

/** Decode mu-law into `out` (same length or longer); returns the written view. */
export function decodeMulawInto(bytes: Uint8Array, out: Int16Array): Int16Array {
  const n = bytes.length;
  if (out.length < n) throw new AudioError('AUDIO_BUFFER_TOO_SMALL', `output holds ${out.length} samples, need ${n}`);
  for (let i = 0; i < n; i++) out[i] = MULAW_DECODE_TABLE[bytes[i] as number] as number;
  return n === out.length ? out : out.subarray(0, n);
}

/** Encode PCM16 to new mu-law bytes. */
export function encodeMulaw(pcm: Int16Array): Uint8Array {
  return encodeMulawInto(pcm, new Uint8Array(pcm.length));
}

/** Decode mu-law bytes to new PCM16 samples. */
export function decodeMulaw(bytes: Uint8Array): Int16Array {
  return decodeMulawInto(bytes, new Int16Array(bytes.length));
}
