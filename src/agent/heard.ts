/**
 * The heard-ledger's text side: given how many ms of each spoken segment the caller heard
 * (from the Player's clear report, itself driven by Plivo's checkpoint acks), which words
 * did they hear? With the TTS vendor's word timings the cut is exact: a word counts once its
 * end has played. Without them, audio maps to text proportionally within the segment,
 * snapped back to a whole word.
 */
import type { TimedWord } from '../providers/types.js';

/** One spoken segment and how much of it played. */
export interface SegmentPlayback {
  readonly text: string;
  readonly durationMs: number;
  readonly playedMs: number;
  /** The TTS vendor's word timings for the segment, when it gave them (exact cut). */
  readonly words?: readonly TimedWord[];
}

function normalise(w: string): string {
  return w.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '');
}

/**
 * The prefix of `text` heard when the vendor reported word timings: every word whose end
 * has played, matched to `text` in order (vendors may normalise punctuation). Undefined when
 * the timings do not cover `playedMs` (e.g. after a vendor reconnect), so the caller falls
 * back to the proportional estimate.
 */
export function heardByWords(text: string, words: readonly TimedWord[], durationMs: number, playedMs: number): string | undefined {
  const last = words[words.length - 1];
  if (last === undefined) return undefined;
  if (playedMs >= durationMs - 1) return text;
  // Timings that stop short of what played (and of the text's end) cannot place the cut.
  const coversText = normalise(last.word) === normalise(text.split(/\s+/).filter(Boolean).at(-1) ?? '');
  if (last.endMs < playedMs && !coversText) return undefined;
  const tokens = [...text.matchAll(/\S+/g)];
  let ti = 0;
  let end = 0;
  for (const w of words) {
    if (w.endMs > playedMs) break;
    const want = normalise(w.word);
    // Find this word in the text, from where the previous one matched.
    let j = ti;
    while (j < tokens.length && normalise((tokens[j] as RegExpMatchArray)[0]) !== want) j++;
    if (j === tokens.length) return undefined;
    const m = tokens[j] as RegExpMatchArray;
    end = (m.index ?? 0) + m[0].length;
    ti = j + 1;
  }
  return text.slice(0, end).trim();
}

/** The prefix of `text` heard after `playedMs` of `durationMs`, on a word boundary. */
export function heardPrefix(text: string, durationMs: number, playedMs: number): string {
  if (durationMs <= 0 || playedMs <= 0) return '';
  if (playedMs >= durationMs - 1) return text;
  const fraction = playedMs / durationMs;
  const cutAt = text.length * fraction;
  let end = 0;
  const word = /\S+/g;
  for (let m = word.exec(text); m !== null; m = word.exec(text)) {
    const wordEnd = m.index + m[0].length;
    if (wordEnd <= cutAt + 0.5) end = wordEnd;
    else break;
  }
  return text.slice(0, end).trim();
}

/** Heard and unheard text across a reply's segments, in order. */
export function splitHeard(segments: readonly SegmentPlayback[]): { heard: string; unheard: string } {
  const heard: string[] = [];
  const unheard: string[] = [];
  let cut = false;
  for (const s of segments) {
    if (cut) {
      unheard.push(s.text);
      continue;
    }
    const h = (s.words !== undefined && s.words.length > 0 ? heardByWords(s.text, s.words, s.durationMs, s.playedMs) : undefined) ?? heardPrefix(s.text, s.durationMs, s.playedMs);
    if (h.length > 0) heard.push(h);
    if (h.length < s.text.length) {
      cut = true;
      const rest = s.text.slice(h.length).trim();
      if (rest.length > 0) unheard.push(rest);
    }
  }
  return { heard: heard.join(' '), unheard: unheard.join(' ') };
}
