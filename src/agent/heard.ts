/**
 * The heard-ledger's text side: given how many ms of each spoken segment the caller heard
 * (from the Player's clear report, itself driven by Plivo's checkpoint acks), which words
 * did they hear? Audio maps to text proportionally within a segment, snapped back to a
 * whole word: a word counts as heard only once its estimated end has played.
 */

/** One spoken segment and how much of it played. */
export interface SegmentPlayback {
  readonly text: string;
  readonly durationMs: number;
  readonly playedMs: number;
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
    const h = heardPrefix(s.text, s.durationMs, s.playedMs);
    if (h.length > 0) heard.push(h);
    if (h.length < s.text.length) {
      cut = true;
      const rest = s.text.slice(h.length).trim();
      if (rest.length > 0) unheard.push(rest);
    }
  }
  return { heard: heard.join(' '), unheard: unheard.join(' ') };
}
