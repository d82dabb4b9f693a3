/**
 * Cuts streamed LLM text into speakable segments as soon as each is complete, so TTS can
 * start on the first sentence while the model is still writing the rest. Sentences end at
 * . ! ? (and ; : or a line break) followed by a space; a long sentence is also cut at a
 * comma. The first segment of a reply may be a short clause, to get audio out sooner.
 */

/** Settings of a {@link SentenceSplitter}. */
export interface SplitterOptions {
  /** A clause of at least this many characters may be cut at a comma for the first segment (default 24). */
  readonly firstClauseChars?: number;
  /** Any segment longer than this is cut at the last comma or space (default 160). */
  readonly maxChars?: number;
  /** Segments shorter than this wait for more text unless the stream ended (default 8). */
  readonly minChars?: number;
}

// Abbreviations whose period does not end a sentence.
const ABBREVIATIONS = /(?:\b(?:mr|mrs|ms|dr|st|jr|sr|vs|etc|e\.g|i\.e|no|approx|inc|ltd|co|mt|ft|prof|sgt|capt|gen|gov|rev|dept|est|fig|vol|am|pm|a\.m|p\.m|u\.s|u\.k))\.$/i;

export class SentenceSplitter {
  readonly #firstClause: number;
  readonly #max: number;
  readonly #min: number;
  #buf = '';
  #emitted = 0;

  constructor(options: SplitterOptions = {}) {
    this.#firstClause = options.firstClauseChars ?? 24;
    this.#max = options.maxChars ?? 160;
    this.#min = options.minChars ?? 8;
  }

  /** Add streamed text; returns the segments now complete. */
  push(text: string): string[] {
    this.#buf += text;
    const out: string[] = [];
    for (;;) {
      const cut = this.#findCut();
      if (cut === -1) break;
      const seg = this.#buf.slice(0, cut).trim();
      this.#buf = this.#buf.slice(cut);
      if (seg !== '') {
        out.push(seg);
        this.#emitted++;
      }
    }
    return out;
  }

  /** The stream ended: whatever is left is the last segment. */
  flush(): string[] {
    const seg = this.#buf.trim();
    this.#buf = '';
    if (seg === '') return [];
    this.#emitted++;
    return [seg];
  }

  #findCut(): number {
    const b = this.#buf;
    for (let i = 0; i < b.length; i++) {
      const c = b[i];
      const next = b[i + 1];
      if (c === '\n' && b.slice(0, i).trim().length >= 1) return i + 1;
      if ((c === '.' || c === '!' || c === '?' || c === ';' || c === ':') && next !== undefined && /\s/.test(next)) {
        const before = b.slice(0, i + 1);
        if (c === '.' && ABBREVIATIONS.test(before)) continue;
        if (c === '.' && /\b[A-Z]\.$/.test(before)) continue; // initials: "J. Smith"
        if (before.trim().length < this.#min) continue;
        return i + 1;
      }
    }
    // The first segment may be a clause: cut at the first comma past `firstClauseChars`, to get audio out sooner.
    if (this.#emitted === 0) {
      for (let i = b.indexOf(', '); i !== -1; i = b.indexOf(', ', i + 1)) {
        if (i + 1 >= this.#firstClause) return i + 1;
      }
    }
    // Any sentence running past `maxChars` is cut at its last comma, else its last space.
    if (b.length >= this.#max) {
      const comma = b.lastIndexOf(', ', this.#max);
      if (comma >= this.#min) return comma + 1;
      const space = b.lastIndexOf(' ', this.#max);
      if (space >= this.#min) return space;
    }
    return -1;
  }
}

/**
 * How a complete text is cut for speaking (whole sentences, no early clause): `say()` and the
 * TTS-cache prewarm both use this, so a cached phrase is found under the same segments.
 */
export function sentencesOf(text: string): string[] {
  const s = new SentenceSplitter({ firstClauseChars: Number.POSITIVE_INFINITY });
  return [...s.push(text), ...s.flush()];
}
