/**
 * Cartesia Sonic TTS settings and the WebSocket URL
 * (https://docs.cartesia.ai/api-reference/tts/websocket).
 */
import { type Clock, defaultClock } from '../../clock.js';
import { resolveApiKey } from '../net/api-key.js';
import { httpAndWsBase } from '../net/base-url.js';
import { type RetryOptions, type RetryPolicy, retryPolicy } from '../net/retry.js';
import type { VendorInfo } from '../net/vendor.js';

/** Cartesia as the TTS vendor. */
export const CARTESIA: VendorInfo = { id: 'cartesia', label: 'Cartesia', envVar: 'CARTESIA_API_KEY', kind: 'tts' };

/** A voice from Cartesia's API reference examples, used when none is configured. */
export const CARTESIA_DEFAULT_VOICE = 'a0e99841-438c-4a64-b679-ae501e7d6091';

/** The API version callwire was built and tested against (Cartesia-Version). */
export const CARTESIA_VERSION = '2025-04-16';

/** Options of {@link CartesiaTts}. */
export interface CartesiaTtsOptions {
  /** Default CARTESIA_API_KEY. */
  readonly apiKey?: string;
  /** Default CARTESIA_BASE_URL, else `https://api.cartesia.ai`; the WebSocket URL is derived (ws for http, wss for https). */
  readonly baseUrl?: string;
  /** Default `sonic-2`. */
  readonly modelId?: string;
  /** Voice id (a session's `voice` wins). */
  readonly voiceId?: string;
  /** Default `en`. */
  readonly language?: string;
  /** Cartesia-Version; default {@link CARTESIA_VERSION}. */
  readonly version?: string;
  /** Word timestamps (used to resume a segment after a drop); default true. */
  readonly timestamps?: boolean;
  /** `max_buffer_delay_ms` for streamed input. */
  readonly maxBufferDelayMs?: number;
  /** Handshake and HTTP limit; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Contexts at once on one socket; default 16 (the plan's concurrency limit applies too). */
  readonly maxContexts?: number;
  /** Limit to the first audio after a segment's text ended, and between chunks; default 10 000 ms. */
  readonly audioTimeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly clock?: Clock;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Resolved settings. */
export interface CartesiaConfig {
  readonly apiKey: string;
  readonly httpBase: string;
  readonly wsBase: string;
  readonly modelId: string;
  readonly voiceId: string;
  readonly language: string;
  readonly version: string;
  readonly timestamps: boolean;
  readonly maxBufferDelayMs: number | undefined;
  readonly connectTimeoutMs: number;
  readonly maxContexts: number;
  readonly audioTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
}

/** Validate and resolve; throws ConfigError naming the option. */
export function resolveCartesiaConfig(o: CartesiaTtsOptions): CartesiaConfig {
  const apiKey = resolveApiKey(CARTESIA, o.apiKey, { env: o.env });
  const { http, ws } = httpAndWsBase(o.baseUrl ?? (o.env ?? process.env).CARTESIA_BASE_URL ?? 'https://api.cartesia.ai', 'Cartesia');
  return {
    apiKey,
    httpBase: http,
    wsBase: ws,
    modelId: o.modelId ?? 'sonic-2',
    voiceId: o.voiceId ?? CARTESIA_DEFAULT_VOICE,
    language: o.language ?? 'en',
    version: o.version ?? CARTESIA_VERSION,
    timestamps: o.timestamps ?? true,
    maxBufferDelayMs: o.maxBufferDelayMs,
    connectTimeoutMs: o.connectTimeoutMs ?? 5000,
    maxContexts: o.maxContexts ?? 16,
    audioTimeoutMs: o.audioTimeoutMs ?? 10_000,
    retry: retryPolicy(o.retry),
    clock: o.clock ?? defaultClock,
  };
}

/** The TTS WebSocket URL; the version goes in the query, which Cartesia prefers for WebSockets. */
export function ttsSocketUrl(c: CartesiaConfig): string {
  return `${c.wsBase}/tts/websocket?cartesia_version=${encodeURIComponent(c.version)}`;
}
