// A Server-Sent Events reader for tests: collects `event:`/`data:` frames from a real HTTP
// response and waits for one that matches.

export interface SseMessage {
  readonly event: string;
  readonly data: unknown;
}

export class SseReader {
  readonly messages: SseMessage[] = [];
  readonly #abort = new AbortController();
  #ended = false;
  #waiters = new Set<() => void>();

  private constructor() {}

  /** Open `url` and read it in the background. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const reader = new SseReader();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: reader.#abort.signal });
    if (res.status !== 200 || res.body === null) throw new Error(`live feed answered ${res.status}`);
    void reader.#read(res.body);
    return reader;
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data !== '') this.messages.push({ event, data: JSON.parse(data) });
          for (const w of this.#waiters) w();
        }
      }
    } catch {
      // aborted by close()
    }
    this.#ended = true;
    for (const w of this.#waiters) w();
  }

  /** Wait for a message; resolves with it. */
  waitFor(pred: (m: SseMessage) => boolean, what: string, timeoutMs = 20_000): Promise<SseMessage> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.messages.find(pred);
        if (hit !== undefined) done(() => resolve(hit));
        else if (this.#ended) done(() => reject(new Error(`the feed ended before ${what}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${what}`))), timeoutMs);
      const done = (f: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        f();
      };
      this.#waiters.add(check);
      check();
    });
  }

  close(): void {
    this.#abort.abort();
  }
}
