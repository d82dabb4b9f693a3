/** Defaults shared by the reconnecting streaming STT vendors (Deepgram, AssemblyAI, Sarvam). */
import { type Clock, defaultClock } from '../../clock.js';
import { type RetryOptions, type RetryPolicy, retryPolicy } from './retry.js';

/** The connect, close, replay, retry and queue options every streaming STT vendor takes. */
export interface StreamingSttSettingOptions {
  readonly connectTimeoutMs?: number;
  readonly closeTimeoutMs?: number;
  readonly replayLimitMs?: number;
  readonly retry?: RetryOptions;
  readonly reconnect?: RetryOptions;
  readonly eventCapacity?: number;
  readonly clock?: Clock;
}

/** Those options resolved with the documented defaults. */
export interface StreamingSttSettings {
  readonly connectTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly replayLimitMs: number;
  readonly retry: RetryPolicy;
  readonly reconnect: RetryPolicy;
  readonly eventCapacity: number;
  readonly clock: Clock;
}

/** Resolves the shared options: 5 s connect, 3 s close, 30 s replay, 3/6 attempts, 1024 events. */
export function resolveStreamingSttSettings(o: StreamingSttSettingOptions): StreamingSttSettings {
  return {
    connectTimeoutMs: o.connectTimeoutMs ?? 5000,
    closeTimeoutMs: o.closeTimeoutMs ?? 3000,
    replayLimitMs: o.replayLimitMs ?? 30_000,
    retry: retryPolicy(o.retry),
    reconnect: retryPolicy({ attempts: 6, ...o.reconnect }, 'reconnect'),
    eventCapacity: o.eventCapacity ?? 1024,
    clock: o.clock ?? defaultClock,
  };
}
