/**
 * Browser phone sessions: a short-lived, single-use token the dashboard mints for a user
 * who may use it, which the stream upgrade gate accepts in place of a Plivo signature.
 * HMAC-signed with a per-process key; a used token is remembered until it expires.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** A minted phone session. */
export interface PhoneSession {
  readonly token: string;
  /** The call and stream ids the browser sends in `start`. */
  readonly callId: string;
  readonly streamId: string;
  /** The token must be used (the WebSocket opened) before this epoch ms. */
  readonly expiresAt: number;
}

/** The caller the store and dashboard show for browser calls. */
export const PHONE_CALLER = 'browser-phone';

const MAX_TOKEN = 1024;

export class PhoneTokens {
  readonly #key = randomBytes(32);
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
    const body = Buffer.from(JSON.stringify({ c: callId, s: streamId, e: expiresAt, n: randomBytes(9).toString('base64url') })).toString('base64url');
    return { token: `${body}.${this.#mac(body)}`, callId, streamId, expiresAt };
  }

  /** Check and consume a token: the call's parameters, or undefined (forged, expired, used). */
  verify(token: string): Record<string, string> | undefined {
    if (token.length > MAX_TOKEN) return undefined;
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const body = token.slice(0, dot);
    const mac = Buffer.from(token.slice(dot + 1));
    const want = Buffer.from(this.#mac(body));
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
    let claims: { c?: unknown; s?: unknown; e?: unknown; n?: unknown };
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return undefined;
    }
    const now = this.#now();
    if (typeof claims.e !== 'number' || claims.e <= now || typeof claims.c !== 'string' || typeof claims.n !== 'string') return undefined;
    this.#sweep(now);
    if (this.#used.has(claims.n) || this.#used.size >= this.#maxOutstanding) return undefined;
    this.#used.set(claims.n, claims.e);
    return { CallUUID: claims.c, From: PHONE_CALLER, To: 'agent', Direction: 'inbound', CallerName: 'Browser phone' };
  }

  #sweep(now: number): void {
    for (const [id, expires] of this.#used) if (expires <= now) this.#used.delete(id);
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(`phone:${body}`).digest('base64url');
  }
}
