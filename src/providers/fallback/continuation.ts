/**
 * How a reply cut short by a failed LLM goes on with the next one without saying anything
 * twice: the request is re-issued with the same context plus the part already spoken, and the
 * continuation is stripped of any repeat of it. Pure.
 */
import type { ChatMessage } from '../types.js';

/** The context for the next provider: unchanged when nothing was said yet. */
export function continuationMessages(messages: readonly ChatMessage[], said: string): readonly ChatMessage[] {
  if (said.trim() === '') return messages;
  return [
    ...messages,
    { role: 'assistant', content: said },
    // A system note, not a user turn: the caller said nothing new.
    {
      role: 'system',
      content: 'Your reply above was cut off by a technical problem after the words shown. Continue it from exactly that point, without repeating anything already said and without mentioning the interruption.',
    },
  ];
}

const norm = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/**
 * Filters the continuation's text deltas: a model that starts over anyway has the repeated
 * part dropped, and a space is put at the join when neither side has one.
 */
export class ContinuationFilter {
  readonly #said: string;
  #held = '';
  #decided: boolean;
  #first = true;

  constructor(said: string) {
    this.#said = said;
    this.#decided = said.trim() === '';
  }

  /** The text to pass on for one delta ('' while undecided). */
  feed(delta: string): string {
    if (this.#decided) return this.#join(delta);
    this.#held += delta;
    const held = norm(this.#held);
    const said = norm(this.#said);
    if (held.length < said.length && said.startsWith(held)) return '';
    this.#decided = true;
    const all = this.#held;
    this.#held = '';
    if (held.startsWith(said)) return this.#join(cutPrefix(all, said));
    return this.#join(all);
  }

  /** What is still held when the stream ends (a short continuation that matched the start). */
  flush(): string {
    if (this.#decided) return '';
    this.#decided = true;
    const rest = this.#held;
    this.#held = '';
    // Everything held repeated the start of what was said: nothing new.
    return norm(this.#said).startsWith(norm(rest)) ? '' : this.#join(rest);
  }

  #join(text: string): string {
    if (!this.#first || text === '') return text;
    this.#first = false;
    const out = text.replace(/^\s+/, '');
    if (this.#said === '' || /\s$/.test(this.#said) || out === '' || /^[,.;:!?)]/.test(out)) return text;
    return ` ${out}`;
  }
}

// Drop the characters of `all` that spell `saidNorm` (normalised), keeping the rest as written.
function cutPrefix(all: string, saidNorm: string): string {
  let matched = 0;
  let i = 0;
  const target = saidNorm.replace(/ /g, '');
  while (i < all.length && matched < target.length) {
    const c = (all[i] as string).toLowerCase();
    if (/[\p{L}\p{N}]/u.test(c)) {
      if (c !== target[matched]) break;
      matched++;
    }
    i++;
  }
  // Punctuation right after the repeated part belongs to it.
  while (i < all.length && /[^\s\p{L}\p{N}]/u.test(all[i] as string)) i++;
  return all.slice(i);
}
