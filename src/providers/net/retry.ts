/**
 * Exponential backoff with jitter and a cap, honouring Retry-After, for retryable
 * CallwireErrors only. A phone caller is waiting, so the defaults are short: three attempts
 * within about a second, and a Retry-After longer than 10 s fails at once instead of leaving
 * dead air.
 */
import type { Clock } from '../../clock.js';
import { type CallwireError, isCallwireError } from '../../errors.js';
import { delay } from './delay.js';

/** Retry settings every provider accepts as `retry`. */
export interface RetryOptions {
  /** Attempts in total, the first included; default 3. 1 disables retries. */
  readonly attempts?: number;
  /** Backoff before the second attempt, doubled each time; default 200 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound of one backoff; default 2000 ms. */
  readonly maxDelayMs?: number;
  /** Longest Retry-After honoured; a longer one fails at once. Default 10 000 ms. */
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

/** Defaults applied over `options`. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    attempts: Math.max(1, Math.floor(options.attempts ?? 3)),
    baseDelayMs: Math.max(0, options.baseDelayMs ?? 200),
    maxDelayMs: Math.max(0, options.maxDelayMs ?? 2000),
    maxRetryAfterMs: Math.max(0, options.maxRetryAfterMs ?? 10_000),
    random: options.random ?? Math.random,
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
