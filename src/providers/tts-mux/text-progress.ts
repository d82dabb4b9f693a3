/**
 * Where in a segment's text the delivered audio has got to, from the vendor's alignment
 * (characters spoken per chunk) or word timestamps. Pure. Used to re-request only the unspoken
 * rest of a segment after its connection dropped.
 */

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

/**
 * Advance `pos` in `text` past `chars` (the characters a chunk spoke). Vendors may add or drop
 * spaces and normalise characters, so whitespace is matched loosely and other characters are
 * looked up a few positions ahead; an unmatched character leaves `pos` where it is.
 */
export function advanceByChars(text: string, pos: number, chars: string): number {
  let p = pos;
  for (const c of chars) {
    if (isSpace(c)) {
      if (isSpace(text[p])) p++;
      continue;
    }
    const found = text.indexOf(c, p);
    if (found !== -1 && found - p <= 3) p = found + 1;
  }
  return Math.min(p, text.length);
}

/** Advance `pos` past each of `words` in order (case-insensitive, punctuation ignored). */
export function advanceByWords(text: string, pos: number, words: readonly string[]): number {
  let p = pos;
  const lower = text.toLowerCase();
  for (const w of words) {
    const needle = w.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '');
    if (needle === '') continue;
    const found = lower.indexOf(needle, p);
    if (found === -1) break;
    p = found + needle.length;
    // Punctuation that follows a word belongs to it.
    while (p < text.length && /[^\s\p{L}\p{N}]/u.test(text[p] as string)) p++;
  }
  return p;
}

/** Move `pos` back to the start of the word it falls inside (a partly spoken word is said again). */
export function wordStart(text: string, pos: number): number {
  let p = Math.min(pos, text.length);
  while (p > 0 && p < text.length && !isSpace(text[p - 1]) && !isSpace(text[p])) p--;
  return p;
}
