/**
 * Browser phone sessions: a short-lived, single-use token the dashboard mints for a user
 * who may use it, which the stream upgrade gate accepts in place of a Plivo signature.
 * Sealed ({@link SealedTokens}) with a per-process key; a used token is remembered until it
 * expires. A token is bound to the call and stream ids it was minted for: the stream must
 * `start` with that stream id.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SealedTokens } from '../server/sealed-token.js';

/** A minted phone session. */
export interface PhoneSession {
  readonly token: string;
  /** The call and stream ids the browser sends in `start`. */
  readonly callId: string;
  readonly streamId: string;
  /** The token must be used (the WebSocket opened) before this epoch ms. */
  readonly expiresAt: number;
}

/** What a valid phone token admits: the call's parameters and the stream id its `start` must carry. */
export interface PhoneGrant {
  readonly params: Record<string, string>;
  readonly streamId: string;
}

/** The caller the store and dashboard show for browser calls. */
export const PHONE_CALLER = 'browser-phone';

const MAX_TOKEN = 1024;

export class PhoneTokens {
  readonly #tokens = new SealedTokens('phone', undefined, MAX_TOKEN);
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #maxOutstanding: number;
  // Token id -> expiry; a token is usable once.
  readonly #used = new Map<string, number>();

  /**
   * @param ttlMs how long a token may wait before the WebSocket opens (default 60 s)
   * @param maxOutstanding used tokens remembered at once (default 10,000; the oldest unexpired is refused first)
   */
  constructor(ttlMs = 60_000, now: () => number = Date.now, maxOutstanding = 10_000) {
    this.#ttlMs = ttlMs;
    this.#now = now;
    this.#maxOutstanding = maxOutstanding;
  }

  /** Mint a session for one call. */
  mint(): PhoneSession {
    const callId = randomUUID();
    const streamId = randomUUID();
    const expiresAt = this.#now() + this.#ttlMs;
    const token = this.#tokens.seal({ c: callId, s: streamId, n: randomBytes(9).toString('base64url') }, expiresAt);
    return { token, callId, streamId, expiresAt };
  }

  /** Check and consume a token: the call's parameters and bound stream id, or undefined (forged, expired, used). */
  verify(token: string): PhoneGrant | undefined {
    const now = this.#now();
    const claims = this.#tokens.open(token, now);
    if (claims === undefined || typeof claims.c !== 'string' || typeof claims.s !== 'string' || typeof claims.n !== 'string') return undefined;
    this.#sweep(now);
    if (this.#used.has(claims.n) || this.#used.size >= this.#maxOutstanding) return undefined;
    // Remembered until a little after the latest possible expiry (the token's own is sealed inside).
    this.#used.set(claims.n, now + this.#ttlMs);
    return { params: { CallUUID: claims.c, From: PHONE_CALLER, To: 'agent', Direction: 'inbound', CallerName: 'Browser phone' }, streamId: claims.s };
  }

  #sweep(now: number): void {
    for (const [id, expires] of this.#used) if (expires <= now) this.#used.delete(id);
  }
}
