/**
 * The audio a Deepgram session has pushed but not yet seen finalised, kept so a reconnect can
 * send it again: nothing the caller said is lost, and nothing already transcribed is sent twice.
 * Bounded: beyond the limit the oldest audio is dropped (and counted) rather than growing
 * without end when the vendor is down for long. Offsets are session byte positions.
 */

interface Chunk {
  offset: number;
  bytes: Uint8Array;
  at: number;
}

/** See the module comment. */
export class ReplayBuffer {
  readonly #limit: number;
  readonly #align: number;
  #chunks: Chunk[] = [];
  #start = 0;
  #end = 0;
  #dropped = 0;

  /** @param limitBytes most bytes kept; @param align sample size, so cuts never split a sample */
  constructor(limitBytes: number, align: number) {
    this.#limit = limitBytes;
    this.#align = align;
  }

  /** Session offset of the first byte kept. */
  get start(): number {
    return this.#start;
  }

  /** Session offset just past the last byte pushed. */
  get end(): number {
    return this.#end;
  }

  /** Bytes dropped because the limit was reached. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Keep `bytes` (pushed at time `at`); returns how many old bytes had to be dropped. */
  append(bytes: Uint8Array, at: number): number {
    this.#chunks.push({ offset: this.#end, bytes, at });
    this.#end += bytes.length;
    const over = this.#end - this.#start - this.#limit;
    if (over <= 0) return 0;
    const cut = this.#start + Math.ceil(over / this.#align) * this.#align;
    const before = this.#start;
    this.trimBefore(cut);
    this.#dropped += this.#start - before;
    return this.#start - before;
  }

  /** Forget audio before `offset` (clamped to what is kept, aligned down to a sample). */
  trimBefore(offset: number): void {
    const target = Math.floor(Math.min(this.#end, offset) / this.#align) * this.#align;
    if (target <= this.#start) return;
    while (this.#chunks.length > 0) {
      const c = this.#chunks[0] as Chunk;
      const cEnd = c.offset + c.bytes.length;
      if (cEnd <= target) {
        this.#chunks.shift();
        continue;
      }
      if (c.offset < target) {
        c.bytes = c.bytes.subarray(target - c.offset);
        c.offset = target;
      }
      break;
    }
    this.#start = target;
  }

  /** The kept audio from `start` on, as chunks (views, not copies). */
  pending(): Uint8Array[] {
    return this.#chunks.map((c) => c.bytes);
  }

  /** When the byte at `offset` was pushed, if it is still kept. */
  pushedAt(offset: number): number | undefined {
    for (const c of this.#chunks) {
      if (offset >= c.offset && offset < c.offset + c.bytes.length) return c.at;
    }
    const last = this.#chunks[this.#chunks.length - 1];
    return last !== undefined && offset === this.#end ? last.at : undefined;
  }
}
