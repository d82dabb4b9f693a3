/**
 * Who may use the dashboard. Bound to loopback, it is open to requests from this machine
 * (not to ones a tunnel or proxy forwarded to the loopback port). Bound to any other address it needs the dashboard token: a login form posts it and
 * gets an HttpOnly, SameSite=Strict session cookie, or a client sends
 * `Authorization: Bearer <token>`. With no token configured on such a bind the dashboard
 * stays off: a secret is never invented and printed.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLocalRequest, isLoopbackHost } from '../server/loopback.js';
import { bearerToken } from './auth-throttle.js';

/** How the dashboard is reachable. */
export type AccessMode = 'open' | 'token' | 'disabled';

/** The mode for a bind address and an optional token. */
export function accessMode(bindHost: string, token: string | undefined): AccessMode {
  if (token !== undefined && token !== '') return 'token';
  return isLoopbackHost(bindHost) ? 'open' : 'disabled';
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'callwire_session';

/** How long a login lasts. */
export const SESSION_MS = 12 * 60 * 60 * 1000;

/** Tokens shorter than this are refused at start: a short token invites guessing. */
export const MIN_TOKEN_LENGTH = 16;

const MAX_COOKIE_HEADER = 4096;

/** Live sessions kept at once; past it the oldest is signed out. */
export const MAX_SESSIONS = 1000;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Checks tokens and session cookies against the configured dashboard token. */
export class DashboardAccess {
  readonly #tokenDigest: Buffer | undefined;
  readonly #sessionKey: Buffer;
  readonly #now: () => number;
  // Live sessions (id -> expiry), oldest first: a session is valid only while it is here, so
  // signing out ends it on the server, not only in the browser that signed out.
  readonly #sessions = new Map<string, number>();
  #mode: AccessMode = 'disabled';

  /** @param token the dashboard token (DASHBOARD_TOKEN), if any */
  constructor(token: string | undefined, now: () => number = Date.now) {
    const t = token === '' ? undefined : token;
    this.#tokenDigest = t === undefined ? undefined : digest(t);
    // Sessions are signed with a key derived from the token (changing it ends every session)
    // and kept in memory: signing out revokes one; a restart ends them all.
    this.#sessionKey = t === undefined ? randomBytes(32) : createHmac('sha256', 'callwire/dashboard-session').update(t).digest();
    this.#now = now;
  }

  /** The mode in force (decided when the server starts listening). */
  get mode(): AccessMode {
    return this.#mode;
  }

  /** Decide the mode from the address the server bound. */
  bind(host: string): AccessMode {
    this.#mode = this.#tokenDigest !== undefined ? 'token' : accessMode(host, undefined);
    return this.#mode;
  }

  /** Whether `given` is the token (constant time, whatever its length). */
  tokenMatches(given: string): boolean {
    if (this.#tokenDigest === undefined) return false;
    return timingSafeEqual(digest(given), this.#tokenDigest);
  }

  /** Whether a request may use the dashboard: open mode, a valid session cookie or a bearer token. */
  allowed(req: IncomingMessage): boolean {
    // Open mode is for this machine only: a tunnel or proxy to the loopback port is not.
    if (this.#mode === 'open') return isLocalRequest(req);
    if (this.#mode === 'disabled') return false;
    const bearer = bearerToken(req);
    if (bearer !== undefined && this.tokenMatches(bearer)) return true;
    return this.hasSession(req);
  }

  /** Whether the request carries a valid session cookie. */
  hasSession(req: IncomingMessage): boolean {
    return this.sessionId(req) !== undefined;
  }

  /** A new session cookie value. */
  newSession(): string {
    const now = this.#now();
    const id = randomBytes(12).toString('base64url');
    const body = `${now + SESSION_MS}.${id}`;
    this.#sweep(now);
    if (this.#sessions.size >= MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    this.#sessions.set(id, now + SESSION_MS);
    return `${body}.${this.#mac(body)}`;
  }

  /** The id of the request's valid session, if it has one. */
  sessionId(req: IncomingMessage): string | undefined {
    if (this.#mode !== 'token') return undefined;
    const value = readCookie(req.headers.cookie, SESSION_COOKIE);
    return value === undefined ? undefined : this.#validId(value);
  }

  /** End the request's session on the server (sign-out); returns its id, if it had a valid one. */
  revoke(req: IncomingMessage): string | undefined {
    const id = this.sessionId(req);
    if (id !== undefined) this.#sessions.delete(id);
    return id;
  }

  /** The Set-Cookie header for a new session (Secure when the page came over https). */
  sessionCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=${this.newSession()}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`;
  }

  /** The Set-Cookie header that ends a session. */
  static clearCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  /** The session id of a cookie value that is signed, unexpired and not revoked. */
  #validId(value: string): string | undefined {
    const dot = value.lastIndexOf('.');
    if (dot <= 0 || value.length > 200) return undefined;
    const body = value.slice(0, dot);
    const mac = Buffer.from(value.slice(dot + 1));
    const want = Buffer.from(this.#mac(body));
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
    const sep = body.indexOf('.');
    const expires = Number(body.slice(0, sep));
    const id = body.slice(sep + 1);
    if (!Number.isFinite(expires) || expires <= this.#now()) return undefined;
    return this.#sessions.has(id) ? id : undefined;
  }

  #sweep(now: number): void {
    for (const [id, expires] of this.#sessions) if (expires <= now) this.#sessions.delete(id);
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#sessionKey).update(`session:${body}`).digest('base64url');
  }
}

/** One cookie's value from a Cookie header (undefined when absent or the header is oversized). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > MAX_COOKIE_HEADER) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
