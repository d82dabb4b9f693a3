/**
 * A Server-Sent Events decoder (WHATWG HTML §9.2.6): `data:` lines joined by newlines, events
 * dispatched on a blank line, `:` comments ignored, CR, LF and CRLF all ending a line. Pure:
 * text in, events out.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, or undefined for the default "message". */
  readonly event: string | undefined;
  readonly data: string;
}

/** Streaming SSE decoder; feed it decoded text chunks in order. */
export class SseDecoder {
  #buffer = '';
  #data: string[] = [];
  #dataChars = 0;
  #event: string | undefined;
  #pendingCr = false;
  readonly #maxLine: number;
  readonly #maxEvent: number;

  /**
   * @param maxLine longest line accepted (guards memory against a server that never sends a newline)
   * @param maxEvent most data one event may gather (guards memory against a server that sends
   *   `data:` lines and never the blank line that ends the event)
   */
  constructor(maxLine = 1 << 20, maxEvent = 4 << 20) {
    this.#maxLine = maxLine;
    this.#maxEvent = maxEvent;
  }

  /** Feed text; returns the events completed by it. Throws RangeError on an over-long line or event. */
  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    let s = text;
    // A CR at the end of the previous chunk may be the first half of a CRLF.
    if (this.#pendingCr && s.startsWith('\n')) s = s.slice(1);
    this.#pendingCr = false;
    let start = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.#line(this.#buffer + s.slice(start, i), out);
      this.#buffer = '';
      if (c === 13) {
        if (i + 1 < s.length) {
          if (s.charCodeAt(i + 1) === 10) i++;
        } else this.#pendingCr = true;
      }
      start = i + 1;
    }
    this.#buffer += s.slice(start);
    if (this.#buffer.length > this.#maxLine) throw new RangeError(`SSE line longer than ${this.#maxLine} characters`);
    return out;
  }

  #line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.#data.length > 0) out.push({ event: this.#event, data: this.#data.join('\n') });
      this.#data = [];
      this.#dataChars = 0;
      this.#event = undefined;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.#dataChars += value.length + 1;
      if (this.#dataChars > this.#maxEvent) throw new RangeError(`SSE event longer than ${this.#maxEvent} characters`);
      this.#data.push(value);
    }
    else if (field === 'event') this.#event = value;
  }
}
