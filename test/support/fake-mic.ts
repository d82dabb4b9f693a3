// A WAV file for Chromium's fake microphone: flite speech at given times with silence
// around it, at the rate a desktop microphone delivers (48 kHz).
import { writeFileSync } from 'node:fs';
import { encodeWav } from '../../src/audio/wav.js';
import { synthesizeSpeech } from '../../src/providers/flite/index.js';

/** One utterance in the file. */
export interface MicUtterance {
  readonly text: string;
  /** Where it starts in the file. */
  readonly atMs: number;
  /** How long the speech lasts (set when written). */
  readonly speechMs: number;
}

/** Write the utterances (in time order, not overlapping) followed by `tailMs` of silence. */
export async function writeFakeMic(path: string, utterances: readonly { text: string; atMs: number }[], tailMs: number, rate = 48000): Promise<MicUtterance[]> {
  const speech = await Promise.all(utterances.map((u) => synthesizeSpeech(u.text, { sampleRate: rate })));
  const at = (ms: number): number => Math.round((ms / 1000) * rate);
  const end = Math.max(...utterances.map((u, i) => at(u.atMs) + (speech[i]?.samples.length ?? 0)));
  const all = new Int16Array(end + at(tailMs));
  utterances.forEach((u, i) => {
    all.set(speech[i]?.samples ?? new Int16Array(0), at(u.atMs));
  });
  writeFileSync(path, encodeWav(all, rate));
  return utterances.map((u, i) => ({ ...u, speechMs: ((speech[i]?.samples.length ?? 0) / rate) * 1000 }));
}
