/**
 * Signing in and out: the login form posts the dashboard token (form-encoded, at most
 * 1 KiB); wrong tokens are limited per client address ({@link AuthThrottle}). Success sets the session cookie and goes back
 * to the page that asked; failure goes back to the form with a message. The token is
 * never logged or echoed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../clock.js';
import { BodyTimeout, BodyTooLarge, clientIp, readBody } from '../server/http-io.js';
import type { PendingBodies } from '../server/pending.js';
import { DashboardAccess } from './access.js';
import type { AuthThrottle } from './auth-throttle.js';
import { codedError, jsonError, redirect, sameOrigin } from './respond.js';

const MAX_LOGIN_BODY = 1024;

/** How to tell this site's own requests (see {@link sameOrigin}). */
export interface SiteCheck {
  readonly trustProxy: boolean;
  /** Trusted proxies in front of the server (the client address: see clientIp). */
  readonly proxyHops: number;
  readonly publicHost: string | undefined;
}

/** Where to go after signing in: a local path only (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]{0,256}$/.test(next) ? next : '/';
}

/** Bounds on sign-in bodies, which arrive before anything authenticates the client. */
export interface LoginBodies {
  /** Bodies in flight per client address. */
  readonly pending: PendingBodies;
  /** Time a body has to arrive. */
  readonly timeoutMs: number;
  readonly clock: Clock;
}

/** POST /api/login. */
export async function login(req: IncomingMessage, res: ServerResponse, access: DashboardAccess, throttle: AuthThrottle, bodies: LoginBodies, log: Logger, site: SiteCheck, secure: boolean): Promise<void> {
  const ip = clientIp(req, site.proxyHops);
  if (!sameOrigin(req, site.trustProxy, site.publicHost)) {
    jsonError(res, 403, 'cross-origin sign-in refused');
    return;
  }
  if (!throttle.allows(ip)) {
    codedError(res, 429, 'SERVER_RATE_LIMITED', 'too many wrong tokens from this address; wait a few seconds', { 'retry-after': '5' });
    return;
  }
  // A slow form holds a descriptor: one address may send a few at once, each briefly.
  if (!bodies.pending.enter(ip)) {
    codedError(res, 429, 'SERVER_RATE_LIMITED', 'too many unfinished sign-ins from this address', { 'retry-after': '1', connection: 'close' });
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(req, MAX_LOGIN_BODY, { ms: bodies.timeoutMs, clock: bodies.clock });
  } catch (e) {
    if (e instanceof BodyTooLarge) {
      jsonError(res, 413, 'sign-in form too large');
      return;
    }
    if (e instanceof BodyTimeout) {
      codedError(res, 408, 'SERVER_REQUEST_TIMEOUT', `sign-in form not complete within ${bodies.timeoutMs} ms`, { connection: 'close' });
      return;
    }
    throw e;
  } finally {
    bodies.pending.leave(ip);
  }
  const form = parseQuery(body.toString('utf8'));
  const token = typeof form.token === 'string' ? form.token : '';
  const next = safeNext(form.next);
  // Checked again next to the compare, in the same tick: many sign-ins sent at once all pass
  // the first check while their bodies arrive, and only the compare counts a failure.
  if (!throttle.allows(ip)) {
    codedError(res, 429, 'SERVER_RATE_LIMITED', 'too many wrong tokens from this address; wait a few seconds', { 'retry-after': '5' });
    return;
  }
  if (!access.tokenMatches(token)) {
    throttle.failed(ip, 'sign-in');
    redirect(res, `/login?failed=1&next=${encodeURIComponent(next)}`);
    return;
  }
  log.info({ ip }, 'dashboard sign-in');
  redirect(res, next, { 'set-cookie': access.sessionCookie(secure) });
}

/** POST /api/logout: ends the session on the server (and in the browser); `onRevoked` gets its id. */
export function logout(req: IncomingMessage, res: ServerResponse, access: DashboardAccess, site: SiteCheck, onRevoked: (session: string) => void): void {
  if (!sameOrigin(req, site.trustProxy, site.publicHost)) {
    jsonError(res, 403, 'cross-origin sign-out refused');
    return;
  }
  const session = access.revoke(req);
  if (session !== undefined) onRevoked(session);
  redirect(res, '/login', { 'set-cookie': DashboardAccess.clearCookie() });
}
