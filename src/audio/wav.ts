/**
 * WAV/RIFF: detect and strip headers (the guide: "send raw audio only (no WAV headers)"),
 * read rate, channels and encoding so callers can convert, decode any common WAV to mono
 * PCM16, and write PCM16 WAVs (recordings).
 */
import { AudioError } from '../errors.js';
import { decodeMulaw } from './mulaw.js';

/** Sample encodings found in WAV files. */
export type WavEncoding = 'pcm' | 'float' | 'mulaw' | 'alaw';

/** What a WAV header says. */
export interface WavInfo {
  readonly encoding: WavEncoding;
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  /** Bytes before the sample data. */
  readonly headerBytes: number;
  /** The sample data (a view into the input). */
  readonly data: Uint8Array;
}

const FORMAT_TAGS: Record<number, WavEncoding> = { 1: 'pcm', 3: 'float', 6: 'alaw', 7: 'mulaw' };

/** True when the bytes start with a RIFF/WAVE header. Cheap: checks 12 bytes. */
export function isWav(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 12 &&
    bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46 && // RIFF
    bytes[8] === 0x57 && bytes[9] === 0x41 && bytes[10] === 0x56 && bytes[11] === 0x45 // WAVE
  );
}

function chunkId(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] as number, bytes[at + 1] as number, bytes[at + 2] as number, bytes[at + 3] as number);
}

/**
 * Parse a WAV header. Tolerates streamed WAVs whose sizes are 0 or 0xFFFFFFFF (data then
 * runs to the end) and WAVE_FORMAT_EXTENSIBLE.
 * @throws AudioError AUDIO_INVALID_WAV, AUDIO_UNSUPPORTED_ENCODING
 */
export function parseWav(bytes: Uint8Array): WavInfo {
  if (!isWav(bytes)) throw new AudioError('AUDIO_INVALID_WAV', 'not a RIFF/WAVE file');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  let fmt: { tag: number; channels: number; rate: number; bits: number } | undefined;
  while (at + 8 <= bytes.length) {
    const id = chunkId(bytes, at);
    const size = dv.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new AudioError('AUDIO_INVALID_WAV', 'fmt chunk is truncated');
      let tag = dv.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE: the real tag is the first two bytes of the SubFormat GUID.
      if (tag === 0xfffe && size >= 40 && body + 26 <= bytes.length) tag = dv.getUint16(body + 24, true);
      fmt = { tag, channels: dv.getUint16(body + 2, true), rate: dv.getUint32(body + 4, true), bits: dv.getUint16(body + 14, true) };
    } else if (id === 'data') {
      if (fmt === undefined) throw new AudioError('AUDIO_INVALID_WAV', 'data chunk before fmt chunk');
      const encoding = FORMAT_TAGS[fmt.tag];
      if (encoding === undefined) throw new AudioError('AUDIO_UNSUPPORTED_ENCODING', `WAV format tag ${fmt.tag} is not supported`);
      if (fmt.channels < 1 || fmt.rate < 1 || fmt.bits < 8) throw new AudioError('AUDIO_INVALID_WAV', 'WAV fmt has zero channels, rate or bits');
      const end = size === 0 || size === 0xffffffff || body + size > bytes.length ? bytes.length : body + size;
      return {
        encoding,
        sampleRate: fmt.rate,
        channels: fmt.channels,
        bitsPerSample: fmt.bits,
        headerBytes: body,
        data: bytes.subarray(body, end),
      };
    }
    if (size > bytes.length) break;
    at = body + size + (size & 1);
  }
  throw new AudioError('AUDIO_INVALID_WAV', 'WAV has no data chunk');
}

/** Return the raw sample bytes of a WAV, or the input unchanged when it has no header. */
export function stripWavHeader(bytes: Uint8Array): Uint8Array {
  return isWav(bytes) ? parseWav(bytes).data : bytes;
}

function alawDecodeSample(a: number): number {
  const v = a ^ 0x55;
  const seg = (v & 0x70) >> 4;
  let t = (v & 0x0f) << 4;
  t += 8;
  if (seg >= 1) t += 0x100;
  if (seg > 1) t <<= seg - 1;
  return (v & 0x80) !== 0 ? t : -t;
}

/** Decode a WAV of any common encoding to mono PCM16 (channels averaged). */
export function decodeWav(bytes: Uint8Array): { samples: Int16Array; sampleRate: number } {
  const info = parseWav(bytes);
  const { data, channels, bitsPerSample: bits, encoding } = info;
  const bytesPer = bits >> 3;
  const frames = Math.floor(data.length / (bytesPer * channels));
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const mulaw = encoding === 'mulaw' ? decodeMulaw(data) : undefined;
  const read = (index: number): number => {
    const off = index * bytesPer;
    switch (encoding) {
      case 'mulaw':
        return (mulaw as Int16Array)[index] as number;
      case 'alaw':
        return alawDecodeSample(data[index] as number);
      case 'float':
        if (bits === 32) return Math.max(-1, Math.min(1, dv.getFloat32(off, true))) * 32767;
        if (bits === 64) return Math.max(-1, Math.min(1, dv.getFloat64(off, true))) * 32767;
        throw new AudioError('AUDIO_UNSUPPORTED_ENCODING', `float WAV with ${bits} bits`);
      case 'pcm':
        if (bits === 16) return dv.getInt16(off, true);
        if (bits === 8) return ((data[off] as number) - 128) << 8;
        if (bits === 24) return (dv.getInt16(off + 1, true));
        if (bits === 32) return dv.getInt32(off, true) >> 16;
        throw new AudioError('AUDIO_UNSUPPORTED_ENCODING', `PCM WAV with ${bits} bits`);
    }
  };
  const samples = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read(f * channels + c);
    samples[f] = Math.round(sum / channels);
  }
  return { samples, sampleRate: info.sampleRate };
}

/** Write PCM16 as a WAV file. `channels` > 1 expects interleaved samples. */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const dv = new DataView(out.buffer);
  const ascii = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  dv.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true);
  dv.setUint16(22, channels, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * channels * 2, true);
  dv.setUint16(32, channels * 2, true);
  dv.setUint16(34, 16, true);
  ascii(36, 'data');
  dv.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) dv.setInt16(44 + i * 2, samples[i] as number, true);
  return out;
}

/** Interleave two mono tracks into stereo (left, right), padding the shorter with silence. */
export function interleaveStereo(left: Int16Array, right: Int16Array): Int16Array {
  const n = Math.max(left.length, right.length);
  const out = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = left[i] ?? 0;
    out[2 * i + 1] = right[i] ?? 0;
  }
  return out;
}
