// Real speech for tests, from Debian espeak-ng, resampled to the rate a test needs.
import { spawnSync } from 'node:child_process';
import { createResampler, decodeWav } from '../../src/audio/index.js';

/** Options of {@link speak}. */
export interface SpeakOptions {
  /** espeak-ng voice; default `en-us`. */
  voice?: string;
  /** Words per minute; default 150. */
  wpm?: number;
}

/** Synthesize `text` with espeak-ng and return mono PCM16 at `sampleRate`. */
export function speak(text: string, sampleRate: number, options: SpeakOptions = {}): Int16Array {
  const r = spawnSync('espeak-ng', ['-v', options.voice ?? 'en-us', '-s', String(options.wpm ?? 150), '--stdout', text], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`espeak-ng failed (${r.status}): ${r.stderr.toString().slice(0, 200)}`);
  const wav = decodeWav(new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength));
  const rs = createResampler(wav.sampleRate, sampleRate);
  const head = rs.process(wav.samples);
  const tail = rs.flush();
  rs.destroy();
  const out = new Int16Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
