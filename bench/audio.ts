/**
 * Section 6, audio core throughput: callwire's codec and resampler against `alawmulaw` and a
 * plain-JS linear resampler, measured in the same run. `npm run bench` calls
 * {@link measureAudio}; run alone it prints JSON:
 *
 *   npx tsx bench/audio.ts [--quick]
 */
import { pathToFileURL } from 'node:url';
import alawmulaw from 'alawmulaw';
import { concatPcm, createResampler, decodeMulawInto, encodeMulawInto, tone } from '../src/audio/index.js';

const { mulaw } = alawmulaw;

/** One operation, callwire against its baseline. */
export interface AudioRow {
  name: string;
  ours: number;
  baseline: number;
  unit: string;
  ratio: number;
  /** For resamplers: error energy of a 440 Hz + 3 kHz test signal vs the ideal, in dB (higher is better). */
  oursSnrDb?: number;
  baselineSnrDb?: number;
}

/** SNR of `out` against the ideal resampled multi-tone, after aligning for filter delay. */
function snrDb(out: Int16Array, freqs: readonly number[], rate: number, amplitude: number): number {
  let best = Number.NEGATIVE_INFINITY;
  const skip = Math.floor(rate / 10);
  for (let delay = 0; delay < 200; delay += 0.25) {
    let sig = 0;
    let err = 0;
    for (let i = skip; i < out.length - skip; i++) {
      let ideal = 0;
      for (const f of freqs) ideal += Math.sin((2 * Math.PI * f * (i - delay)) / rate);
      ideal = (ideal / freqs.length) * amplitude * 32767;
      sig += ideal * ideal;
      err += ((out[i] as number) - ideal) ** 2;
    }
    best = Math.max(best, 10 * Math.log10(sig / err));
  }
  return best;
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Best of `repeat` runs, in ms, after one warm-up. */
function best(repeat: number, fn: () => void): number {
  fn();
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeat; i++) min = Math.min(min, time(fn));
  return min;
}

function linearResampler(from: number, to: number) {
  // A plain streaming linear interpolator: what a framework without a DSP library writes.
  let pos = 0;
  let last = 0;
  const step = from / to;
  return (input: Int16Array): Int16Array => {
    const out: number[] = [];
    while (pos < input.length) {
      const i = Math.floor(pos);
      const frac = pos - i;
      const a = i - 1 < 0 ? last : (input[i - 1] as number);
      const b = input[i] as number;
      out.push(Math.round(a + (b - a) * frac));
      pos += step;
    }
    pos -= input.length;
    last = input[input.length - 1] as number;
    return Int16Array.from(out);
  };
}

/** Audio throughput of `seconds` of audio as 20 ms frames, best of `repeat` runs per row. */
export function measureAudio(seconds: number, repeat: number): AudioRow[] {
  const rows: AudioRow[] = [];
  const pcm8k = tone([300, 1200], seconds * 1000, 8000);
  const frames8k: Int16Array[] = [];
  for (let i = 0; i + 160 <= pcm8k.length; i += 160) frames8k.push(pcm8k.subarray(i, i + 160));
  const mu = frames8k.map((f) => mulaw.encode(f) as Uint8Array);
  const audioMs = frames8k.length * 20;

  {
    const outPcm = new Int16Array(160);
    const ours = best(repeat, () => {
      for (const f of mu) decodeMulawInto(f, outPcm);
    });
    const theirs = best(repeat, () => {
      for (const f of mu) mulaw.decode(f);
    });
    rows.push({ name: 'mu-law decode, 20 ms frames', ours: audioMs / ours, baseline: audioMs / theirs, unit: 'x real time', ratio: theirs / ours });
  }
  {
    const outMu = new Uint8Array(160);
    const ours = best(repeat, () => {
      for (const f of frames8k) encodeMulawInto(f, outMu);
    });
    const theirs = best(repeat, () => {
      for (const f of frames8k) mulaw.encode(f);
    });
    rows.push({ name: 'mu-law encode, 20 ms frames', ours: audioMs / ours, baseline: audioMs / theirs, unit: 'x real time', ratio: theirs / ours });
  }
  for (const [from, to] of [[8000, 16000], [16000, 8000], [24000, 8000], [48000, 16000]] as const) {
    const input = tone([300, 1200], seconds * 1000, from);
    const n = from / 50;
    const chunks: Int16Array[] = [];
    for (let i = 0; i + n <= input.length; i += n) chunks.push(input.subarray(i, i + n));
    const ms = chunks.length * 20;
    const ours = best(repeat, () => {
      const r = createResampler(from, to);
      for (const c of chunks) r.process(c);
      r.destroy();
    });
    const theirs = best(repeat, () => {
      const r = linearResampler(from, to);
      for (const c of chunks) r(c);
    });
    // Quality: a 440 Hz + 3 kHz signal (both below every Nyquist here), one second.
    const probe = tone([440, 3000], 1000, from, { amplitude: 0.5, fadeMs: 0 });
    const run = (f: (x: Int16Array) => Int16Array) => {
      const parts: Int16Array[] = [];
      for (let i = 0; i + n <= probe.length; i += n) parts.push(f(probe.subarray(i, i + n)));
      return concatPcm(parts);
    };
    const sr = createResampler(from, to);
    const oursOut = run((x) => sr.process(x));
    sr.destroy();
    const baseOut = run(linearResampler(from, to));
    rows.push({
      name: `resample ${from / 1000}k -> ${to / 1000}k, 20 ms frames (speex q5 vs plain-JS linear)`,
      ours: ms / ours,
      baseline: ms / theirs,
      unit: 'x real time',
      ratio: theirs / ours,
      oursSnrDb: snrDb(oursOut, [440, 3000], to, 0.5),
      baselineSnrDb: snrDb(baseOut, [440, 3000], to, 0.5),
    });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const seconds = quick ? 10 : 60;
  const repeat = quick ? 5 : 20;
  console.log(JSON.stringify({ suite: 'audio', quick, seconds, repeat, rows: measureAudio(seconds, repeat) }, null, 2));
}
