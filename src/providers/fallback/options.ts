/**
 * Settings shared by the STT, LLM and TTS fallback chains, and the rule for which failures
 * move a call to the next provider.
 */
import { type Clock, defaultClock } from '../../clock.js';
import { type CallwireError, ConfigError, ProviderError, isCallwireError } from '../../errors.js';

/** Options of every `fallback*()` chain. */
export interface FallbackOptions {
  /**
   * Longest wait for a provider's first result before moving on: the first token (LLM), the
   * first audio of a segment (TTS), or a dropped STT socket to come back. 100 to 60 000 ms;
   * default 2000 (LLM and TTS) and 1500 (STT reconnect).
   */
  readonly firstByteTimeoutMs?: number;
  /** Retries a provider may report within one request before the chain moves on (0 to 10; default 1). */
  readonly maxRetries?: number;
  /** How often a failed provider is probed (its `verify`) until it answers again, 100 to 600 000 ms; default 10 000. */
  readonly probeIntervalMs?: number;
  /** STT only: un-finalised audio kept for replay into the next session, 1000 to 60 000 ms; default 15 000. */
  readonly replayLimitMs?: number;
  readonly clock?: Clock;
}

/** Resolved settings. */
export interface FallbackConfig {
  readonly firstByteTimeoutMs: number | undefined;
  readonly maxRetries: number;
  readonly probeIntervalMs: number;
  readonly replayLimitMs: number;
  readonly clock: Clock;
}

/**
 * Defaults applied, each checked.
 * @throws {ConfigError} CONFIG_INVALID for fewer than two providers or a setting out of range
 */
export function resolveFallback(kind: string, providers: readonly unknown[], o: FallbackOptions = {}): FallbackConfig {
  if (!Array.isArray(providers) || providers.length < 2 || providers.some((p) => typeof p !== 'object' || p === null)) {
    throw new ConfigError('CONFIG_INVALID', `fallback ${kind} needs an array of at least two providers, the primary first`);
  }
  const range = (name: keyof FallbackOptions, v: number | undefined, min: number, max: number): void => {
    if (v !== undefined && !(Number.isFinite(v) && v >= min && v <= max)) {
      throw new ConfigError('CONFIG_INVALID', `fallback ${kind} ${name} must be ${min} to ${max} (got ${String(v)})`);
    }
  };
  range('firstByteTimeoutMs', o.firstByteTimeoutMs, 100, 60_000);
  range('maxRetries', o.maxRetries, 0, 10);
  range('probeIntervalMs', o.probeIntervalMs, 100, 600_000);
  range('replayLimitMs', o.replayLimitMs, 1000, 60_000);
  return {
    firstByteTimeoutMs: o.firstByteTimeoutMs,
    maxRetries: Math.floor(o.maxRetries ?? 1),
    probeIntervalMs: o.probeIntervalMs ?? 10_000,
    replayLimitMs: o.replayLimitMs ?? 15_000,
    clock: o.clock ?? defaultClock,
  };
}

/** Any failure as a CallwireError (a plain Error becomes PROVIDER_UNAVAILABLE of `provider`). */
export function asProviderError(e: unknown, provider: string): CallwireError {
  if (isCallwireError(e)) return e;
  return new ProviderError('PROVIDER_UNAVAILABLE', provider, e instanceof Error ? e.message : String(e), { cause: e });
}

/** The chain's own "this provider is too slow" error. */
export function budgetError(provider: string, what: string, ms: number): ProviderError {
  return new ProviderError('PROVIDER_TIMEOUT', provider, `${provider} did not ${what} within the fallback budget of ${ms} ms.`, { details: { timeoutMs: ms } });
}

/** The chain gave up on a provider that kept retrying. */
export function retriesError(provider: string, retries: number, lastCode: string): ProviderError {
  return new ProviderError('PROVIDER_UNAVAILABLE', provider, `${provider} failed and was retried ${retries} times (last: ${lastCode}); moving to the next provider.`, { details: { lastCode } });
}

/** A chain verifies when any member does; with none, the primary's error is thrown. */
export async function verifyAny(providers: readonly { verify?(signal: AbortSignal): Promise<void> }[], signal: AbortSignal): Promise<void> {
  const results = await Promise.allSettled(providers.map((p) => p.verify?.(signal)));
  if (results.some((r) => r.status === 'fulfilled')) return;
  throw (results[0] as PromiseRejectedResult).reason;
}
