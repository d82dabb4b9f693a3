/**
 * Guessing the dashboard token, by the sign-in form or by `Authorization: Bearer`, is limited
 * per client address by one bucket: each wrong token takes a token from the address's
 * bucket, and an address with an empty bucket gets 429 before its guess is even compared.
 * Only failures count, and only at the address that made them: the owner signing in from
 * elsewhere, signing in right, or using a session cookie is never locked out by someone
 * else's flood (a lock on the account would hand an attacker a way to lock the owner out).
 */
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock.js';
import type { Logger } from '../log/logger.js';
import { LogSampler } from '../log/sampled.js';
import { RateLimiter } from '../server/rate-limit.js';

/** Wrong tokens an address may send at once, and then per second. */
export const GUESS_BURST = 10;
export const GUESSES_PER_SECOND = 0.5;

export class AuthThrottle {
  readonly #limiter: RateLimiter;
  readonly #log: Logger;
  readonly #sampler = new LogSampler();

  constructor(clock: Clock, log: Logger) {
    this.#limiter = new RateLimiter(clock, GUESS_BURST, GUESSES_PER_SECOND);
    this.#log = log;
  }

  /** Whether `ip` may try a token now (false: answer 429 without comparing it). */
  allows(ip: string): boolean {
    if (this.#limiter.available(ip)) return true;
    this.#note('DASHBOARD_AUTH_THROTTLED', ip, 'dashboard token refused unchecked (429): too many wrong tokens from this address');
    return false;
  }

  /** `ip` sent a wrong token (`how`: the sign-in form or a bearer header). */
  failed(ip: string, how: 'sign-in' | 'bearer'): void {
    this.#limiter.take(ip);
    this.#note(`DASHBOARD_AUTH_FAILED`, ip, `dashboard ${how} failed: wrong token`);
  }

  // Wrong tokens are client-caused and repeatable at will: sampled per code.
  #note(code: string, ip: string, message: string): void {
    const count = this.#sampler.hit(code);
    if (count !== undefined) this.#log.warn({ code, count, ip }, message);
  }
}

/** The token of an `Authorization: Bearer <token>` header (undefined when absent, malformed or oversized). */
export function bearerToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string' || auth.length > 1024) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return m === null ? undefined : (m[1] as string);
}
