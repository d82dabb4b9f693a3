/**
 * Deepgram live-transcription settings and the `/v1/listen` URL they produce
 * (https://developers.deepgram.com/reference/speech-to-text/listen-streaming).
 */
import type { Clock } from '../../clock.js';
import { ConfigError } from '../../errors.js';
import { resolveApiKey } from '../net/api-key.js';
import { resolveStreamingSttSettings } from '../net/stt-settings.js';
import { httpAndWsBase } from '../net/base-url.js';
import type { RetryOptions, RetryPolicy } from '../net/retry.js';
import type { VendorInfo } from '../net/vendor.js';
import type { AudioSpec } from '../types.js';

/** Deepgram as the STT vendor. */
export const DEEPGRAM: VendorInfo = { id: 'deepgram', label: 'Deepgram', envVar: 'DEEPGRAM_API_KEY', kind: 'stt' };

/** Options of {@link DeepgramStt}. */
export interface DeepgramSttOptions {
  /** Default DEEPGRAM_API_KEY. */
  readonly apiKey?: string;
  /** Default DEEPGRAM_BASE_URL, else `wss://api.deepgram.com`; http(s) URLs are turned into ws(s). */
  readonly baseUrl?: string;
  /** Default `nova-3`. */
  readonly model?: string;
  /** BCP-47 language when the session does not give one; default `en-US`. */
  readonly language?: string;
  /** Interim results; default true (needed for UtteranceEnd and barge-in on words). */
  readonly interimResults?: boolean;
  /** Silence (ms) after which Deepgram marks `speech_final`; default 300. `false` disables. */
  readonly endpointingMs?: number | false;
  /** UtteranceEnd after this gap (ms, >= 1000); default 1000. `false` disables. */
  readonly utteranceEndMs?: number | false;
  /** SpeechStarted events; default true. */
  readonly vadEvents?: boolean;
  /** Smart formatting (punctuation, numerals); default true. */
  readonly smartFormat?: boolean;
  /** Key terms to boost (nova-3 `keyterm`). */
  readonly keyterms?: readonly string[];
  /** Extra query parameters, passed through. */
  readonly query?: Readonly<Record<string, string>>;
  /** Send KeepAlive when no audio went out for this long; default 4000 ms (Deepgram closes after 10 s). */
  readonly keepAliveMs?: number;
  /** WebSocket handshake limit; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Wait for the last results after CloseStream; default 3000 ms. */
  readonly closeTimeoutMs?: number;
  /** Un-finalised audio kept for replay after a reconnect; default 30 000 ms. */
  readonly replayLimitMs?: number;
  /**
   * A socket that sends nothing for this long while audio flows into it (Deepgram answers
   * audio with results, empty ones during silence) has hung: it is dropped and reconnected,
   * the un-finalised audio replayed. Default 15 000 ms; 0 disables.
   */
  readonly stallTimeoutMs?: number;
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
export interface DeepgramConfig {
  readonly apiKey: string;
  readonly wsBase: string;
  readonly model: string;
  readonly language: string;
  readonly interimResults: boolean;
  readonly endpointingMs: number | false;
  readonly utteranceEndMs: number | false;
  readonly vadEvents: boolean;
  readonly smartFormat: boolean;
  readonly keyterms: readonly string[];
  readonly query: Readonly<Record<string, string>>;
  readonly keepAliveMs: number;
  readonly connectTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly replayLimitMs: number;
  readonly stallTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly reconnect: RetryPolicy;
  readonly eventCapacity: number;
  readonly clock: Clock;
}

/** Validate and resolve; throws ConfigError naming the option. */
export function resolveDeepgramConfig(o: DeepgramSttOptions): DeepgramConfig {
  const apiKey = resolveApiKey(DEEPGRAM, o.apiKey, { env: o.env });
  const interimResults = o.interimResults ?? true;
  const utteranceEndMs = o.utteranceEndMs ?? (interimResults ? 1000 : false);
  if (utteranceEndMs !== false && (!interimResults || utteranceEndMs < 1000)) {
    throw new ConfigError('CONFIG_INVALID', 'Deepgram utteranceEndMs needs interimResults: true and a value of at least 1000 ms (or false).');
  }
  const endpointingMs = o.endpointingMs ?? 300;
  if (endpointingMs !== false && (!Number.isFinite(endpointingMs) || endpointingMs < 10)) {
    throw new ConfigError('CONFIG_INVALID', 'Deepgram endpointingMs must be at least 10 ms (or false).');
  }
  return {
    apiKey,
    wsBase: httpAndWsBase(o.baseUrl ?? (o.env ?? process.env).DEEPGRAM_BASE_URL ?? 'wss://api.deepgram.com', 'Deepgram').ws,
    model: o.model ?? 'nova-3',
    language: o.language ?? 'en-US',
    interimResults,
    endpointingMs,
    utteranceEndMs,
    vadEvents: o.vadEvents ?? true,
    smartFormat: o.smartFormat ?? true,
    keyterms: o.keyterms ?? [],
    query: o.query ?? {},
    keepAliveMs: o.keepAliveMs ?? 4000,
    stallTimeoutMs: o.stallTimeoutMs ?? 15_000,
    ...resolveStreamingSttSettings(o),
  };
}

/** The listen URL for one session. */
export function listenUrl(c: DeepgramConfig, audio: AudioSpec, language: string | undefined, tag: string | undefined): string {
  const q = new URLSearchParams();
  q.set('model', c.model);
  q.set('language', language ?? c.language);
  // Straight from the call: mu-law 8 kHz or L16, no transcoding.
  q.set('encoding', audio.encoding === 'mulaw' ? 'mulaw' : 'linear16');
  q.set('sample_rate', String(audio.sampleRate));
  q.set('channels', '1');
  q.set('interim_results', String(c.interimResults));
  q.set('endpointing', c.endpointingMs === false ? 'false' : String(c.endpointingMs));
  if (c.utteranceEndMs !== false) q.set('utterance_end_ms', String(c.utteranceEndMs));
  q.set('vad_events', String(c.vadEvents));
  q.set('smart_format', String(c.smartFormat));
  for (const k of c.keyterms) q.append('keyterm', k);
  // `tag` labels usage in Deepgram's console; the call id makes provider-side logs findable.
  if (tag !== undefined && tag !== '') q.set('tag', tag.slice(0, 128));
  for (const [k, v] of Object.entries(c.query)) q.set(k, v);
  return `${c.wsBase}/v1/listen?${q.toString()}`;
}
