// A WAV file for Chromium's fake microphone: flite speech with silence around it, at the
// rate a desktop microphone delivers (48 kHz).
import { writeFileSync } from 'node:fs';
import { encodeWav } from '../../src/audio/wav.js';
import { synthesizeSpeech } from '../../src/providers/flite/index.js';

/** The file and how long the speech in it lasts. */
export interface FakeMic {
  readonly path: string;
  readonly speechMs: number;
  /** Where the speech starts in the file. */
  readonly leadMs: number;
}

/** Write `text` as speech after `leadMs` of silence, then `tailMs` of silence. */
export async function writeFakeMic(path: string, text: string, leadMs: number, tailMs: number, rate = 48000): Promise<FakeMic> {
  const speech = await synthesizeSpeech(text, { sampleRate: rate });
  const lead = Math.round((leadMs / 1000) * rate);
  const all = new Int16Array(lead + speech.samples.length + Math.round((tailMs / 1000) * rate));
  all.set(speech.samples, lead);
  writeFileSync(path, encodeWav(all, rate));
  return { path, speechMs: (speech.samples.length / rate) * 1000, leadMs };
}
