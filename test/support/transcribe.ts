// The transcript oracle for end-to-end tests: Debian pocketsphinx, constrained by a JSGF
// grammar of candidate phrases. Free recognition of synthetic speech is poor, but choosing
// among a few known phrases is exact (docs/ecosystem.md §7).
//
// Telephone audio needs care: the en-us model is wideband (16 kHz, filters up to 6.8 kHz)
// and hears nothing it knows in audio band-limited to 4 kHz. Properly resampled 8 kHz
// mu-law speech matched 3 of 6 flite phrases and 0 of 6 espeak ones; upsampled by
// sample-and-hold instead (which mirrors the 0-4 kHz band into 4-8 kHz, speech-shaped)
// it matched 10/10 flite kal16, 9/10 espeak en-us and 7/10 espeak en-us+m3 phrases, with
// no wrong matches (only "nothing"). So narrowband audio (8 kHz, or any rate with
// almost no energy above 4 kHz) is tried that way first, then zero-stuffed, then resampled.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { concatPcm, createResampler, encodeWav } from '../../src/audio/index.js';
import { type SystemDep, requireDebian } from './debian.js';

const run = promisify(execFile);

/** The Debian packages the oracle needs. */
export const POCKETSPHINX_PACKAGES = ['pocketsphinx', 'pocketsphinx-en-us'] as const;
const MODEL = '/usr/share/pocketsphinx/model/en-us';
const DICT = `${MODEL}/cmudict-en-us.dict`;

/**
 * Whether pocketsphinx and its English model are installed. When not: `ok` is false and the
 * reason names the packages (use with `describe.skipIf`); under CI this throws instead.
 */
export function requirePocketsphinx(): SystemDep {
  return requireDebian(POCKETSPHINX_PACKAGES, ['pocketsphinx_continuous'], [DICT, `${MODEL}/en-us/mdef`]);
}

/** Lower-case words, punctuation removed: the form the grammar and the hypotheses use. */
export function normalisePhrase(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

let dictionary: Promise<Set<string>> | undefined;

async function dictionaryWords(): Promise<Set<string>> {
  dictionary ??= readFile(DICT, 'utf8').then((text) => {
    const words = new Set<string>();
    for (const line of text.split('\n')) {
      const w = line.split(' ', 1)[0];
      // Alternate pronunciations are listed as word(2), word(3).
      if (w) words.add(w.replace(/\(\d+\)$/, ''));
    }
    return words;
  });
  return dictionary;
}

function resample(pcm: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return pcm;
  const r = createResampler(from, to);
  const out = concatPcm([r.process(pcm), r.flush()]);
  r.destroy();
  return out;
}

/** 8 kHz -> 16 kHz by repeating each sample: the 0-4 kHz band is mirrored into 4-8 kHz. */
function sampleAndHold(pcm8k: Int16Array): Int16Array {
  const out = new Int16Array(pcm8k.length * 2);
  for (let i = 0; i < pcm8k.length; i++) out[2 * i] = out[2 * i + 1] = pcm8k[i] as number;
  return out;
}

/** 8 kHz -> 16 kHz by inserting zeros (a full-strength mirror image; gain 2 keeps the level). */
function zeroStuff(pcm8k: Int16Array): Int16Array {
  const out = new Int16Array(pcm8k.length * 2);
  for (let i = 0; i < pcm8k.length; i++) out[2 * i] = Math.max(-32768, Math.min(32767, 2 * (pcm8k[i] as number)));
  return out;
}

/**
 * Energy above ~4.5 kHz relative to the whole signal, in dB, from a 63-tap windowed-sinc
 * high-pass. Measured: wideband speech (flite kal16, espeak) -16 to -36 dB; audio
 * that was ever 8 kHz (mu-law or a native 8 kHz voice, resampled up) -66 dB.
 */
export function highBandDb(pcm: Int16Array, sampleRate: number): number {
  if (sampleRate <= 9000) return Number.NEGATIVE_INFINITY;
  const taps = 63;
  const mid = (taps - 1) / 2;
  const fc = 4500 / sampleRate;
  const h = new Float64Array(taps);
  for (let k = 0; k < taps; k++) {
    const n = k - mid;
    const lowpass = n === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * n) / (Math.PI * n);
    const window = 0.54 - 0.46 * Math.cos((2 * Math.PI * k) / (taps - 1));
    h[k] = ((n === 0 ? 1 : 0) - lowpass) * window;
  }
  let total = 0;
  let high = 0;
  for (let i = taps; i < pcm.length; i++) {
    let y = 0;
    for (let k = 0; k < taps; k++) y += (h[k] as number) * (pcm[i - k] as number);
    high += y * y;
    total += (pcm[i] as number) ** 2;
  }
  return total === 0 ? Number.NEGATIVE_INFINITY : 10 * Math.log10(high / total + 1e-12);
}

/** Options of {@link recognise} and {@link transcribe}. */
export interface RecogniseOptions {
  /** Treat the audio as telephone band (default: 8 kHz input, or measured by {@link highBandDb} < -50 dB). */
  narrowband?: boolean;
}

/** The 16 kHz renderings to try, best first (the first that yields any words wins). */
function renderings(pcm: Int16Array, sampleRate: number, options: RecogniseOptions): Int16Array[] {
  const narrow = options.narrowband ?? (sampleRate <= 8000 || highBandDb(pcm, sampleRate) < -50);
  const at8k = resample(pcm, sampleRate, 8000);
  const phone = [sampleAndHold(at8k), zeroStuff(at8k)];
  // Wideband audio the decoder finds nothing in is also tried as telephone audio: a pause at
  // a comma (espeak) can derail the wideband search where the band-limited one still matches.
  return narrow ? [...phone, resample(at8k, 8000, 16000)] : [resample(pcm, sampleRate, 16000), ...phone];
}

/**
 * Recognise speech. With `phrases`, the result can only be one of them (or empty when
 * nothing matched); without, the free language model is used. Returns normalised text.
 * Throws when a phrase has a word pocketsphinx's dictionary lacks (it would be unmatchable).
 */
export async function recognise(pcm: Int16Array, sampleRate: number, phrases?: readonly string[], options: RecogniseOptions = {}): Promise<string> {
  for (const audio of renderings(pcm, sampleRate, options)) {
    const text = await decode(audio, phrases);
    if (text !== '') return text;
  }
  return '';
}

async function decode(pcm16k: Int16Array, phrases: readonly string[] | undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'callwire-oracle-'));
  try {
    const wav = join(dir, 'speech.wav');
    // A little silence on both ends helps the decoder's endpointing.
    const pad = new Int16Array(3200);
    await writeFile(wav, encodeWav(concatPcm([pad, pcm16k, pad]), 16000));
    const args = ['-infile', wav, '-logfn', '/dev/null', '-hmm', `${MODEL}/en-us`, '-dict', DICT];
    if (phrases !== undefined) {
      const words = await dictionaryWords();
      const norm = phrases.map(normalisePhrase).filter((p) => p !== '');
      const unknown = [...new Set(norm.flatMap((p) => p.split(' ')).filter((w) => !words.has(w)))];
      if (norm.length === 0) throw new Error('recognise(): no candidate phrases');
      if (unknown.length > 0) throw new Error(`recognise(): pocketsphinx's dictionary lacks ${unknown.join(', ')}`);
      const grammar = join(dir, 'candidates.jsgf');
      await writeFile(grammar, `#JSGF V1.0;\ngrammar candidates;\npublic <utterance> = ${norm.map((p) => `( ${p} )`).join(' | ')};\n`);
      args.push('-jsgf', grammar);
    } else {
      args.push('-lm', `${MODEL}/en-us.lm.bin`);
    }
    const { stdout } = await run('pocketsphinx_continuous', args, { timeout: 120_000, maxBuffer: 1 << 20 });
    // One hypothesis line per detected utterance; lines like "000000000: ..." are timing output.
    return normalisePhrase(
      stdout
        .split('\n')
        .filter((l) => !/^\d+:/.test(l))
        .join(' '),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Which of `candidates` was said: the candidate (as given) whose words pocketsphinx
 * recognised, or `undefined` when it matched none of them.
 *
 * The grammar forces a choice: speech that is none of the candidates can still come back
 * as the one that sounds closest ("the weather is nice in Paris" -> "what time do you open
 * tomorrow"). So pass the expected phrase together with plausible alternatives (what the
 * bot might wrongly have said) and assert on which one comes back; never use a single
 * candidate as a yes/no test. A filler-word loop in the grammar to absorb off-list speech
 * was tried and removed: it also absorbed most real espeak phrases.
 */
export async function transcribe(
  pcm: Int16Array,
  sampleRate: number,
  candidates: readonly string[],
  options: RecogniseOptions = {},
): Promise<string | undefined> {
  const heard = await recognise(pcm, sampleRate, candidates, options);
  return candidates.find((c) => normalisePhrase(c) === heard);
}
