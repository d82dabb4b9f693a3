/**
 * Resuming a completion after the stream dropped. The text already delivered was possibly
 * spoken, so it cannot be taken back; the request is sent again and the regenerated text is
 * accepted only if it starts with what was delivered, which is then skipped. With a fixed
 * `seed` and low temperature most servers regenerate the same prefix; when they do not, the
 * guard reports divergence and the caller ends the turn with what was already said.
 */

/** Outcome of feeding one regenerated text delta. */
export type GuardResult =
  | { readonly type: 'emit'; readonly text: string }
  | { readonly type: 'skip' }
  | { readonly type: 'diverged' };

/** Tracks delivered text and filters a regenerated stream. */
export class ReplayGuard {
  #delivered = '';
  #replay = '';
  #fresh = '';
  #replaying = false;

  /** Everything delivered so far. */
  get delivered(): string {
    return this.#delivered;
  }

  /** Start a new attempt: the next deltas must reproduce what was delivered. */
  restart(): void {
    this.#replay = this.#delivered;
    this.#fresh = '';
    this.#replaying = this.#replay.length > 0;
  }

  /** Feed a delta from the current attempt. */
  feed(text: string): GuardResult {
    if (!this.#replaying) {
      this.#delivered += text;
      return { type: 'emit', text };
    }
    this.#fresh += text;
    if (this.#fresh.length <= this.#replay.length) {
      return this.#replay.startsWith(this.#fresh) ? { type: 'skip' } : { type: 'diverged' };
    }
    if (!this.#fresh.startsWith(this.#replay)) return { type: 'diverged' };
    this.#replaying = false;
    const rest = this.#fresh.slice(this.#replay.length);
    this.#delivered += rest;
    return { type: 'emit', text: rest };
  }
}
