/**
 * AssemblyAI Universal-Streaming (v3) settings and the `/v3/ws` URL they produce. Query
 * parameters per https://www.assemblyai.com/docs/api-reference/streaming-api/streaming-api
 * (`sample_rate`, `encoding` = `pcm_s16le` | `pcm_mulaw`, `format_turns`,
 * `end_of_turn_confidence_threshold`, `min_end_of_turn_silence_when_confident`,
 * `max_turn_silence`, `speech_model`) and the official SDK
 * (github.com/AssemblyAI/assemblyai-node-sdk src/services/streaming/service.ts).
 */
import type { Clock } from '../../clock.js';
import { resolveApiKey } from '../net/api-key.js';
import { resolveStreamingSttSettings } from '../net/stt-settings.js';
import { httpAndWsBase } from '../net/base-url.js';
import type { RetryOptions, RetryPolicy } from '../net/retry.js';
import type { VendorInfo } from '../net/vendor.js';
import type { AudioSpec } from '../types.js';

/** AssemblyAI as the STT vendor. */
export const ASSEMBLYAI: VendorInfo = { id: 'assemblyai', label: 'AssemblyAI', envVar: 'ASSEMBLYAI_API_KEY', kind: 'stt' };

/** Options of {@link AssemblyAiStt}. */
export interface AssemblyAiSttOptions {
  /** Default ASSEMBLYAI_API_KEY. */
  readonly apiKey?: string;
  /** Default ASSEMBLYAI_BASE_URL, else `wss://streaming.assemblyai.com`; http(s) URLs become ws(s). */
  readonly baseUrl?: string;
  /** `speech_model`; default `universal-streaming-english`. */
  readonly speechModel?: string;
  /** Formatted finals (punctuation, casing); default true. */
  readonly formatTurns?: boolean;
  /** `end_of_turn_confidence_threshold` (0-1); vendor default 0.4 when unset. */
  readonly endOfTurnConfidenceThreshold?: number;
  /** `min_end_of_turn_silence_when_confident`, ms; vendor default 400 when unset. */
  readonly minEndOfTurnSilenceWhenConfidentMs?: number;
  /** `max_turn_silence`, ms; vendor default 1280 when unset. */
  readonly maxTurnSilenceMs?: number;
  /** Extra query parameters, passed through. */
  readonly query?: Readonly<Record<string, string>>;
  /** Audio per binary message; default 100 ms (AssemblyAI accepts 50-1000 ms, close 3007 otherwise). */
  readonly chunkMs?: number;
  /** Handshake plus `Begin` limit; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Wait for `Termination` after `Terminate`; default 3000 ms. */
  readonly closeTimeoutMs?: number;
  /** Un-finalised audio kept for replay after a reconnect; default 30 000 ms. */
  readonly replayLimitMs?: number;
  /** Retries of the first connect (default 3 attempts). */
  readonly retry?: RetryOptions;
  /** Retries of a mid-call reconnect (default 6 attempts). */
  readonly reconnect?: RetryOptions;
  /** Events buffered for a slow consumer (interims coalesce); default 1024. */
  readonly eventCapacity?: number;
  readonly clock?: Clock;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Resolved settings. */
export interface AssemblyAiConfig {
  readonly apiKey: string;
  readonly wsBase: string;
  readonly speechModel: string;
  readonly formatTurns: boolean;
  readonly endOfTurnConfidenceThreshold: number | undefined;
  readonly minEndOfTurnSilenceWhenConfidentMs: number | undefined;
  readonly maxTurnSilenceMs: number | undefined;
  readonly query: Readonly<Record<string, string>>;
  readonly chunkMs: number;
  readonly connectTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly replayLimitMs: number;
  readonly retry: RetryPolicy;
  readonly reconnect: RetryPolicy;
  readonly eventCapacity: number;
  readonly clock: Clock;
}

/** Validate and resolve; throws ConfigError naming the variable. */
export function resolveAssemblyAiConfig(o: AssemblyAiSttOptions): AssemblyAiConfig {
  const env = o.env ?? process.env;
  return {
    apiKey: resolveApiKey(ASSEMBLYAI, o.apiKey, { env: o.env }),
    wsBase: httpAndWsBase(o.baseUrl ?? env.ASSEMBLYAI_BASE_URL ?? 'wss://streaming.assemblyai.com', 'AssemblyAI').ws,
    speechModel: o.speechModel ?? 'universal-streaming-english',
    formatTurns: o.formatTurns ?? true,
    endOfTurnConfidenceThreshold: o.endOfTurnConfidenceThreshold,
    minEndOfTurnSilenceWhenConfidentMs: o.minEndOfTurnSilenceWhenConfidentMs,
    maxTurnSilenceMs: o.maxTurnSilenceMs,
    query: o.query ?? {},
    // Clamped into the documented 50-1000 ms per message.
    chunkMs: Math.min(1000, Math.max(50, o.chunkMs ?? 100)),
    ...resolveStreamingSttSettings(o),
  };
}

/** The streaming URL for one session. */
export function streamingUrl(c: AssemblyAiConfig, audio: AudioSpec): string {
  const q = new URLSearchParams();
  q.set('sample_rate', String(audio.sampleRate));
  // Straight from the call: pcm_mulaw at 8 kHz is accepted, so no transcoding.
  q.set('encoding', audio.encoding === 'mulaw' ? 'pcm_mulaw' : 'pcm_s16le');
  q.set('speech_model', c.speechModel);
  q.set('format_turns', String(c.formatTurns));
  if (c.endOfTurnConfidenceThreshold !== undefined) q.set('end_of_turn_confidence_threshold', String(c.endOfTurnConfidenceThreshold));
  if (c.minEndOfTurnSilenceWhenConfidentMs !== undefined) q.set('min_end_of_turn_silence_when_confident', String(c.minEndOfTurnSilenceWhenConfidentMs));
  if (c.maxTurnSilenceMs !== undefined) q.set('max_turn_silence', String(c.maxTurnSilenceMs));
  for (const [k, v] of Object.entries(c.query)) q.set(k, v);
  return `${c.wsBase}/v3/ws?${q.toString()}`;
}
