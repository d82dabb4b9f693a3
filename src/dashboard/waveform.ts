/**
 * Waveform peaks of a recording, computed on the server by streaming the file, so the
 * browser draws a long call from a few kilobytes instead of downloading the whole WAV.
 */
import { open, stat } from 'node:fs/promises';
import { parseWav } from '../audio/wav.js';

/** Per-channel peaks (0..1, the largest absolute sample in each bucket). */
export interface Waveform {
  readonly sampleRate: number;
  readonly channels: number;
  readonly durationMs: number;
  /** `peaks[channel][bucket]`. */
  readonly peaks: readonly (readonly number[])[];
}

/** Buckets a waveform may ask for. */
export const MAX_POINTS = 4000;

const HEADER_PROBE = 4096;
const READ_BYTES = 256 * 1024;

/** Compute `points` peaks per channel of a PCM16 WAV file. @throws AudioError for a file that is not PCM16 WAV */
export async function waveformOf(path: string, points: number): Promise<Waveform> {
  const n = Math.max(1, Math.min(MAX_POINTS, Math.floor(points)));
  const file = await open(path, 'r');
  try {
    const size = (await stat(path)).size;
    const probe = Buffer.alloc(Math.min(HEADER_PROBE, size));
    await file.read(probe, 0, probe.length, 0);
    const wav = parseWav(new Uint8Array(probe.buffer, probe.byteOffset, probe.length));
    if (wav.encoding !== 'pcm' || wav.bitsPerSample !== 16) throw new Error(`the recording is ${wav.encoding}/${wav.bitsPerSample} bit; waveforms need 16-bit PCM`);
    const channels = wav.channels;
    const frameBytes = channels * 2;
    const frames = Math.floor((size - wav.headerBytes) / frameBytes);
    const perBucket = Math.max(1, Math.ceil(frames / n));
    const buckets = Math.max(1, Math.ceil(frames / perBucket));
    const peaks = Array.from({ length: channels }, () => new Array<number>(buckets).fill(0));
    const buf = Buffer.alloc(READ_BYTES - (READ_BYTES % frameBytes));
    let pos = wav.headerBytes;
    let frame = 0;
    while (frame < frames) {
      const { bytesRead } = await file.read(buf, 0, buf.length, pos);
      if (bytesRead < frameBytes) break;
      const whole = bytesRead - (bytesRead % frameBytes);
      for (let off = 0; off < whole; off += frameBytes, frame++) {
        const b = Math.floor(frame / perBucket);
        for (let c = 0; c < channels; c++) {
          const v = Math.abs(buf.readInt16LE(off + c * 2));
          const row = peaks[c] as number[];
          if (v > (row[b] as number)) row[b] = v;
        }
      }
      pos += whole;
    }
    return {
      sampleRate: wav.sampleRate,
      channels,
      durationMs: Math.round((frames / wav.sampleRate) * 1000),
      peaks: peaks.map((row) => row.map((v) => Math.round((v / 32768) * 1000) / 1000)),
    };
  } finally {
    await file.close();
  }
}
