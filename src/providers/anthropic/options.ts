/**
 * Settings of the Anthropic Messages client. Headers per the API reference: `x-api-key`,
 * `anthropic-version: 2023-06-01` (https://docs.anthropic.com/en/api/versioning).
 */
import { type Clock, defaultClock } from '../../clock.js';
import { ConfigError } from '../../errors.js';
import { resolveApiKey } from '../net/api-key.js';
import { httpAndWsBase } from '../net/base-url.js';
import { type RetryOptions, type RetryPolicy, retryPolicy } from '../net/retry.js';
import type { VendorInfo } from '../net/vendor.js';

/** Who the client is, for errors and metrics. */
export const ANTHROPIC: VendorInfo = { id: 'anthropic', label: 'Anthropic', envVar: 'ANTHROPIC_API_KEY', kind: 'llm' };

/** Options of {@link AnthropicLlm}. */
export interface AnthropicLlmOptions {
  /** e.g. `claude-3-5-haiku-latest`, `claude-sonnet-4-5`. */
  readonly model: string;
  /** Default ANTHROPIC_API_KEY. */
  readonly apiKey?: string;
  /** Default ANTHROPIC_BASE_URL, else `https://api.anthropic.com` (the `/v1/...` paths are added). */
  readonly baseUrl?: string;
  /** Required by the API on every request; default 1024 (a phone reply is far shorter). */
  readonly maxTokens?: number;
  readonly temperature?: number;
  /**
   * Mark the system prompt and the tool list as cache breakpoints (`cache_control:
   * {"type":"ephemeral"}`), so every turn after the first reads them from Anthropic's prompt
   * cache: cheaper, and a faster first token. Default true.
   */
  readonly cachePrompt?: boolean;
  /** Request to response headers, ms; default 10 000. */
  readonly timeoutMs?: number;
  /** Longest silence inside a stream, ms; default 15 000 (Anthropic sends `ping` events meanwhile). */
  readonly idleTimeoutMs?: number;
  readonly retry?: RetryOptions;
  /** `verify()` also checks the model is listed by `GET /v1/models`; default true. */
  readonly checkModel?: boolean;
  readonly clock?: Clock;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Resolved settings. */
export interface AnthropicConfig {
  readonly model: string;
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly maxTokens: number;
  readonly temperature: number | undefined;
  readonly cachePrompt: boolean;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly checkModel: boolean;
  readonly clock: Clock;
}

/** Validate and resolve; throws ConfigError naming the setting. */
export function resolveAnthropicConfig(o: AnthropicLlmOptions): AnthropicConfig {
  if (typeof o.model !== 'string' || o.model.trim() === '') throw new ConfigError('CONFIG_INVALID', 'AnthropicLlm needs a model name, e.g. { model: "claude-3-5-haiku-latest" }.');
  const env = o.env ?? process.env;
  const apiKey = resolveApiKey(ANTHROPIC, o.apiKey, { env });
  const maxTokens = o.maxTokens ?? 1024;
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1 && maxTokens <= 1_000_000)) throw new ConfigError('CONFIG_INVALID', `AnthropicLlm maxTokens must be a whole number from 1 (got ${String(maxTokens)})`);
  return {
    model: o.model,
    apiKey,
    baseUrl: httpAndWsBase(o.baseUrl ?? env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com', 'Anthropic').http,
    headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' },
    maxTokens,
    temperature: o.temperature,
    cachePrompt: o.cachePrompt !== false,
    timeoutMs: o.timeoutMs ?? 10_000,
    idleTimeoutMs: o.idleTimeoutMs ?? 15_000,
    retry: retryPolicy(o.retry),
    checkModel: o.checkModel !== false,
    clock: o.clock ?? defaultClock,
  };
}
