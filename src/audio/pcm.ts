/**
 * Linear PCM16 helpers. Plivo's L16 is signed 16-bit little-endian
 * (plivo-labs/agent-transport decodes with i16::from_le_bytes).
 */
import { AudioError } from '../errors.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** L16 little-endian bytes -> PCM16 samples, into `out`; returns the written view. */
export function l16ToPcmInto(bytes: Uint8Array, out: Int16Array): Int16Array {
  if (bytes.length % 2 !== 0) throw new AudioError('AUDIO_ODD_LENGTH', `L16 audio must have an even byte count (got ${bytes.length})`);
  const n = bytes.length >> 1;
  if (out.length < n) throw new AudioError('AUDIO_BUFFER_TOO_SMALL', `output holds ${out.length} samples, need ${n}`);
  const view = out.length === n ? out : out.subarray(0, n);
  if (LITTLE_ENDIAN) {
    new Uint8Array(view.buffer, view.byteOffset, n * 2).set(bytes);
  } else {
    for (let i = 0; i < n; i++) view[i] = ((bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8)) << 16 >> 16;
  }
  return view;
}

/** PCM16 samples -> L16 little-endian bytes, into `out`; returns the written view. */
export function pcmToL16Into(pcm: Int16Array, out: Uint8Array): Uint8Array {
  const n = pcm.length * 2;
  if (out.length < n) throw new AudioError('AUDIO_BUFFER_TOO_SMALL', `output holds ${out.length} bytes, need ${n}`);
  const view = out.length === n ? out : out.subarray(0, n);
  if (LITTLE_ENDIAN) {
    view.set(new Uint8Array(pcm.buffer, pcm.byteOffset, n));
  } else {
    for (let i = 0; i < pcm.length; i++) {
      const s = pcm[i] as number;
      view[2 * i] = s & 0xff;
      view[2 * i + 1] = (s >> 8) & 0xff;
    }
  }
  return view;
}

/** L16 little-endian bytes -> new PCM16 samples. */
export function l16ToPcm(bytes: Uint8Array): Int16Array {
  return l16ToPcmInto(bytes, new Int16Array(bytes.length >> 1));
}

/** PCM16 samples -> new L16 little-endian bytes. */
export function pcmToL16(pcm: Int16Array): Uint8Array {
  return pcmToL16Into(pcm, new Uint8Array(pcm.length * 2));
}

/** Concatenate PCM chunks. */
export function concatPcm(chunks: readonly Int16Array[]): Int16Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Int16Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Concatenate byte chunks. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Float samples in [-1, 1] -> PCM16 (clipped). */
export function floatToPcm(samples: ArrayLike<number>): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i] as number));
    out[i] = v < 0 ? Math.round(v * 32768) : Math.round(v * 32767);
  }
  return out;
}
