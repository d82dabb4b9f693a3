/**
 * Exponential backoff with jitter and a cap, honouring Retry-After, for retryable
 * CallwireErrors only. A phone caller is waiting, so the defaults are short: three attempts
 * within about a second, and a Retry-After longer than 10 s fails at once instead of leaving
 * dead air.
 */
import type { Clock } from '../../clock.js';
import { type CallwireError, ConfigError, isCallwireError } from '../../errors.js';
import { delay } from './delay.js';

/** Retry settings every provider accepts as `retry`. */
export interface RetryOptions {
  /** Attempts in total, the first included: a whole number from 1 to 100; default 3. 1 disables retries. */
  readonly attempts?: number;
  /** Backoff before the second attempt, doubled each time: 0 to 600 000 ms; default 200 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound of one backoff: 0 to 600 000 ms; default 2000 ms. */
  readonly maxDelayMs?: number;
  /** Longest Retry-After honoured, 0 to 600 000 ms; a longer one fails at once. Default 10 000 ms. */
  readonly maxRetryAfterMs?: number;
  /** Jitter source in [0, 1); injectable so tests are deterministic. Default Math.random. */
  readonly random?: () => number;
}

/** Resolved retry settings. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetryAfterMs: number;
  readonly random: () => number;
}

// Bounds: past them a setting is a mistake (NaN attempts retried forever, a NaN delay
// retried at once), and a caller is waiting on the line.
const MAX_ATTEMPTS = 100;
const MAX_DELAY_MS = 600_000;

/**
 * Defaults applied over `options`, each checked.
 * @param name what the options are called in the provider's options (`retry`, `reconnect`), for the message
 * @throws {ConfigError} `CONFIG_INVALID` for a setting out of its range (see {@link RetryOptions}) or a `random` that is not a function
 */
export function retryPolicy(options: RetryOptions = {}, name = 'retry'): RetryPolicy {
  if (typeof options !== 'object' || options === null) throw new ConfigError('CONFIG_INVALID', `${name} must be an object of retry settings`);
  const attempts = options.attempts ?? 3;
  if (!(Number.isInteger(attempts) && attempts >= 1 && attempts <= MAX_ATTEMPTS)) {
    throw new ConfigError('CONFIG_INVALID', `${name}.attempts must be a whole number from 1 to ${MAX_ATTEMPTS} (got ${String(attempts)})`);
  }
  const ms = (key: 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs', fallback: number): number => {
    const v = options[key] ?? fallback;
    if (Number.isFinite(v) && v >= 0 && v <= MAX_DELAY_MS) return v;
    throw new ConfigError('CONFIG_INVALID', `${name}.${key} must be 0 to ${MAX_DELAY_MS} ms (got ${String(v)})`);
  };
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') throw new ConfigError('CONFIG_INVALID', `${name}.random must be a function`);
  return {
    attempts,
    baseDelayMs: ms('baseDelayMs', 200),
    maxDelayMs: ms('maxDelayMs', 2000),
    maxRetryAfterMs: ms('maxRetryAfterMs', 10_000),
    random,
  };
}

/**
 * The wait before attempt `attempt + 1` after `error` on attempt `attempt` (1-based), or
 * `undefined` when it must not be retried: not retryable, attempts spent, or a Retry-After
 * beyond the cap. "Equal jitter": half the exponential step fixed, half random, so retries
 * from many calls spread out but never fire at once.
 */
export function backoffDelay(attempt: number, error: unknown, policy: RetryPolicy): number | undefined {
  if (!isCallwireError(error) || !error.retryable || attempt >= policy.attempts) return undefined;
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = step / 2 + policy.random() * (step / 2);
  const retryAfter = error.details.retryAfterMs;
  if (typeof retryAfter === 'number') {
    if (retryAfter > policy.maxRetryAfterMs) return undefined;
    return Math.max(retryAfter, jittered);
  }
  return jittered;
}

/** What {@link withRetry} needs besides the operation. */
export interface RetryContext {
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** The error to throw when `signal` aborts during a backoff. */
  readonly cancelled: () => Error;
  /** Called before each backoff (metrics, logs). */
  readonly onRetry?: (attempt: number, delayMs: number, error: CallwireError) => void;
}

/** Run `op` until it succeeds, a non-retryable error occurs, or attempts run out. */
export async function withRetry<T>(op: (attempt: number) => Promise<T>, ctx: RetryContext): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (error) {
      if (ctx.signal?.aborted) throw ctx.cancelled();
      const wait = backoffDelay(attempt, error, ctx.policy);
      if (wait === undefined) throw error;
      ctx.onRetry?.(attempt, wait, error as CallwireError);
      await delay(wait, ctx.clock, ctx.signal, ctx.cancelled);
    }
  }
}
