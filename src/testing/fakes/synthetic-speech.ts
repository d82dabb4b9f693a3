/**
 * Deterministic stand-in for TTS output: a voiced, speech-like signal whose length is
 * proportional to the text, with per-character timing (the alignment real vendors return).
 * Letters are voiced (a harmonic tone whose pitch depends on the word), spaces and punctuation
 * are pauses, so energy-based detectors see word-like bursts. The same text always gives the
 * same samples, which lets tests compare audio across retries byte for byte.
 */
import { pcmToSpec } from '../../providers/audio-spec.js';
import type { AudioSpec } from '../../providers/types.js';

/** When one character of the text is spoken. */
export interface CharTiming {
  readonly char: string;
  readonly startMs: number;
  readonly durationMs: number;
}

/** Generated audio and its alignment. */
export interface SyntheticSpeech {
  readonly pcm: Int16Array;
  readonly sampleRate: number;
  readonly chars: readonly CharTiming[];
  readonly durationMs: number;
}

/** Options of {@link syntheticSpeech}. */
export interface SyntheticSpeechOptions {
  /** Duration of one character; default 60 ms (about 14 characters per second, conversational). */
  readonly msPerChar?: number;
  /** Peak amplitude 0..1; default 0.4. */
  readonly amplitude?: number;
}

/** Speech-like PCM16 at `sampleRate` for `text`. */
export function syntheticSpeech(text: string, sampleRate: number, options: SyntheticSpeechOptions = {}): SyntheticSpeech {
  const msPerChar = options.msPerChar ?? 60;
  const amp = (options.amplitude ?? 0.4) * 32767;
  const chars: CharTiming[] = [];
  let t = 0;
  for (const ch of text) {
    // Sentence punctuation pauses longer, as speech does.
    const d = /[.!?]/.test(ch) ? msPerChar * 3 : /[,;:]/.test(ch) ? msPerChar * 2 : msPerChar;
    chars.push({ char: ch, startMs: t, durationMs: d });
    t += d;
  }
  const total = Math.round((t * sampleRate) / 1000);
  const pcm = new Int16Array(total);
  let phase = 0;
  let wordSeed = 0;
  for (const c of chars) {
    const voiced = /[\p{L}\p{N}]/u.test(c.char);
    if (!voiced) {
      wordSeed = 0;
      continue;
    }
    wordSeed = (wordSeed * 31 + (c.char.codePointAt(0) ?? 0)) % 997;
    const f0 = 110 + (wordSeed % 90);
    const start = Math.round((c.startMs * sampleRate) / 1000);
    const end = Math.min(total, Math.round(((c.startMs + c.durationMs) * sampleRate) / 1000));
    const fade = Math.max(1, Math.round(sampleRate * 0.004));
    for (let i = start; i < end; i++) {
      phase += (2 * Math.PI * f0) / sampleRate;
      const v = 0.6 * Math.sin(phase) + 0.3 * Math.sin(2 * phase) + 0.1 * Math.sin(3 * phase);
      const g = Math.min(1, (i - start + 1) / fade, (end - i) / fade);
      pcm[i] = Math.round(v * amp * g);
    }
  }
  return { pcm, sampleRate, chars, durationMs: t };
}

/** The audio for `text` as bytes in `spec`. */
export function syntheticSpeechBytes(text: string, spec: AudioSpec, options?: SyntheticSpeechOptions): Uint8Array {
  return pcmToSpec(spec, syntheticSpeech(text, spec.sampleRate, options).pcm);
}
