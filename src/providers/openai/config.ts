/**
 * Settings shared by the OpenAI-compatible clients (chat and speech): key, base URL, headers,
 * timeouts and retries. One base URL serves OpenAI, Groq, Together, vLLM, Ollama and llama.cpp.
 */
import { type Clock, defaultClock } from '../../clock.js';
import { ConfigError } from '../../errors.js';
import { resolveApiKey } from '../net/api-key.js';
import { type RetryOptions, type RetryPolicy, retryPolicy } from '../net/retry.js';
import type { VendorInfo } from '../net/vendor.js';
import type { ProviderKind } from '../types.js';

/** OpenAI's own endpoint; used when neither `baseUrl` nor OPENAI_BASE_URL is set. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Options common to every OpenAI-compatible client. */
export interface OpenAiClientOptions {
  /** API key; default from `apiKeyEnv` (OPENAI_API_KEY). Optional for local servers. */
  readonly apiKey?: string;
  /** Env var the key is read from; default `OPENAI_API_KEY` (e.g. `GROQ_API_KEY`). */
  readonly apiKeyEnv?: string;
  /**
   * Base URL including the version path, e.g. `https://api.groq.com/openai/v1`,
   * `http://localhost:11434/v1` (Ollama), `http://localhost:8000/v1` (vLLM). Default
   * OPENAI_BASE_URL, else OpenAI.
   */
  readonly baseUrl?: string;
  /** Name used in errors and metrics, e.g. `groq`; default derived from the host. */
  readonly name?: string;
  /** Extra request headers (e.g. `OpenAI-Organization`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Limit until the response headers arrive; default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Limit between two body chunks of a streamed response; default 15 000 ms. */
  readonly idleTimeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Clock for timeouts, backoff and latency figures; default the process clock. */
  readonly clock?: Clock;
  /** Environment to read variables from; default `process.env` (tests pass their own). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Resolved client settings. */
export interface OpenAiClientConfig {
  readonly vendor: VendorInfo;
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  /** True when talking to api.openai.com (some parameters differ there). */
  readonly isOpenAi: boolean;
}

/** Validate and resolve options; throws ConfigError naming the setting. */
export function resolveOpenAiConfig(options: OpenAiClientOptions, kind: ProviderKind): OpenAiClientConfig {
  const env = options.env ?? process.env;
  const raw = options.baseUrl ?? env.OPENAI_BASE_URL ?? OPENAI_DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('CONFIG_INVALID', `OpenAI-compatible baseUrl "${raw.slice(0, 100)}" is not a URL (set baseUrl or OPENAI_BASE_URL).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('CONFIG_INVALID', `OpenAI-compatible baseUrl must be http(s), got ${url.protocol}`);
  }
  const isOpenAi = url.hostname === 'api.openai.com';
  const envVar = options.apiKeyEnv ?? 'OPENAI_API_KEY';
  const name = options.name ?? (isOpenAi ? 'openai' : url.hostname);
  const vendor: VendorInfo = { id: name, label: isOpenAi ? 'OpenAI' : `${name} (OpenAI-compatible)`, envVar, kind };
  // Local servers (vLLM, Ollama, llama.cpp) usually run without a key.
  const apiKey = resolveApiKey(vendor, options.apiKey, { env, required: isOpenAi });
  const headers: Record<string, string> = { ...options.headers };
  if (apiKey !== '') headers.authorization = `Bearer ${apiKey}`;
  return {
    vendor,
    baseUrl: url.toString().replace(/\/+$/, ''),
    apiKey,
    headers,
    timeoutMs: options.timeoutMs ?? 10_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 15_000,
    retry: retryPolicy(options.retry),
    clock: options.clock ?? defaultClock,
    isOpenAi,
  };
}
