/**
 * What a fake TTS "says" for a text: audio in the requested format plus per-character timing
 * (for ElevenLabs alignment and Cartesia word timestamps). Default: the deterministic
 * synthetic speech; users can plug in any generator (a WAV file, flite, silence).
 */
import { bytesPerMs } from '../../providers/audio-spec.js';
import type { AudioSpec } from '../../providers/types.js';
import { type CharTiming, syntheticSpeech, syntheticSpeechBytes } from './synthetic-speech.js';
import { pcmToSpec } from '../../providers/audio-spec.js';

/** Audio for a text, with optional character timing. */
export interface VoiceOutput {
  readonly bytes: Uint8Array;
  /** Per-character timing; when absent the characters are spread evenly over the audio. */
  readonly chars?: readonly CharTiming[];
}

/** A fake voice: text + format -> audio. */
export type FakeVoice = (text: string, spec: AudioSpec) => VoiceOutput;

/** The default voice: synthetic speech with exact character timing. */
export const syntheticVoice: FakeVoice = (text, spec) => {
  const s = syntheticSpeech(text, spec.sampleRate);
  return { bytes: pcmToSpec(spec, s.pcm), chars: s.chars };
};

/** Wrap a bytes-only generator (e.g. `syntheticSpeechBytes` or a recording) as a voice. */
export function bytesVoice(fn: (text: string, spec: AudioSpec) => Uint8Array = syntheticSpeechBytes): FakeVoice {
  return (text, spec) => ({ bytes: fn(text, spec) });
}

/** Character timing of an output, spreading characters evenly when the voice gave none. */
export function charTimings(text: string, out: VoiceOutput, spec: AudioSpec): readonly CharTiming[] {
  if (out.chars !== undefined) return out.chars;
  const chars = [...text];
  const total = out.bytes.length / bytesPerMs(spec);
  const per = chars.length === 0 ? 0 : total / chars.length;
  return chars.map((char, i) => ({ char, startMs: i * per, durationMs: per }));
}

/** The characters that start within [fromMs, toMs), with start times relative to `fromMs`. */
export function charsIn(timings: readonly CharTiming[], fromMs: number, toMs: number, last: boolean): { chars: string[]; startMs: number[]; durationMs: number[] } {
  const sel = timings.filter((c) => c.startMs >= fromMs && (c.startMs < toMs || last));
  return { chars: sel.map((c) => c.char), startMs: sel.map((c) => Math.round(c.startMs - fromMs)), durationMs: sel.map((c) => Math.round(c.durationMs)) };
}

/** Words (runs of non-space characters) whose last character ends within (fromMs, toMs]. */
export function wordsEndingIn(timings: readonly CharTiming[], fromMs: number, toMs: number, last: boolean): { word: string; startMs: number; endMs: number }[] {
  const words: { word: string; startMs: number; endMs: number }[] = [];
  let cur: { word: string; startMs: number; endMs: number } | undefined;
  for (const c of timings) {
    if (/\s/.test(c.char)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
      continue;
    }
    if (cur === undefined) cur = { word: c.char, startMs: c.startMs, endMs: c.startMs + c.durationMs };
    else {
      cur.word += c.char;
      cur.endMs = c.startMs + c.durationMs;
    }
  }
  if (cur !== undefined) words.push(cur);
  return words.filter((w) => w.endMs > fromMs && (w.endMs <= toMs || last));
}
