/**
 * ElevenLabs streaming TTS settings and the multi-context WebSocket URL
 * (https://elevenlabs.io/docs/api-reference/text-to-speech/v-1-text-to-speech-voice-id-multi-stream-input).
 */
import { type Clock, defaultClock } from '../../clock.js';
import { ConfigError } from '../../errors.js';
import { resolveApiKey } from '../net/api-key.js';
import { httpAndWsBase } from '../net/base-url.js';
import { type RetryOptions, type RetryPolicy, retryPolicy } from '../net/retry.js';
import type { VendorInfo } from '../net/vendor.js';
import type { AudioSpec } from '../types.js';

/** ElevenLabs as the TTS vendor. */
export const ELEVENLABS: VendorInfo = { id: 'elevenlabs', label: 'ElevenLabs', envVar: 'ELEVENLABS_API_KEY', kind: 'tts' };

/** A voice from ElevenLabs' own quick-start examples, used when none is configured. */
export const ELEVENLABS_DEFAULT_VOICE = 'JBFqnCBsd6RMkjVDRZzb';

/** Voice settings as the API names them. */
export interface ElevenLabsVoiceSettings {
  readonly stability?: number;
  readonly similarity_boost?: number;
  readonly style?: number;
  readonly use_speaker_boost?: boolean;
  readonly speed?: number;
}

/** Options of {@link ElevenLabsTts}. */
export interface ElevenLabsTtsOptions {
  /** Default ELEVENLABS_API_KEY. */
  readonly apiKey?: string;
  /** Default ELEVENLABS_BASE_URL, else `https://api.elevenlabs.io` (regional: `https://api.eu.residency.elevenlabs.io`); ws(s) derived. */
  readonly baseUrl?: string;
  /** Voice id (a session's `voice` wins). */
  readonly voiceId?: string;
  /** Default `eleven_flash_v2_5` (lowest latency; multi-context is not available for eleven_v3). */
  readonly modelId?: string;
  readonly voiceSettings?: ElevenLabsVoiceSettings;
  /** `generation_config.chunk_length_schedule` (characters before each generation). */
  readonly chunkLengthSchedule?: readonly number[];
  /** `auto_mode`: generate per sentence without the chunk schedule; default true (segments are sentences). */
  readonly autoMode?: boolean;
  readonly languageCode?: string;
  /** Context inactivity timeout, seconds (max 180); default 180. */
  readonly inactivityTimeoutS?: number;
  /** Keep-alive when nothing was sent for this long; default 10 000 ms. */
  readonly keepAliveMs?: number;
  /** Handshake and HTTP limit; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Limit to the first audio after a segment's text ended, and between chunks; default 10 000 ms. */
  readonly audioTimeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly clock?: Clock;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Resolved settings. */
export interface ElevenLabsConfig {
  readonly apiKey: string;
  readonly httpBase: string;
  readonly wsBase: string;
  readonly voiceId: string;
  readonly modelId: string;
  readonly voiceSettings: ElevenLabsVoiceSettings | undefined;
  readonly chunkLengthSchedule: readonly number[] | undefined;
  readonly autoMode: boolean;
  readonly languageCode: string | undefined;
  readonly inactivityTimeoutS: number;
  readonly keepAliveMs: number;
  readonly connectTimeoutMs: number;
  readonly audioTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
}

/** Validate and resolve; throws ConfigError naming the option. */
export function resolveElevenLabsConfig(o: ElevenLabsTtsOptions): ElevenLabsConfig {
  const apiKey = resolveApiKey(ELEVENLABS, o.apiKey, { env: o.env });
  const schedule = o.chunkLengthSchedule;
  if (schedule !== undefined && !schedule.every((n) => n >= 50 && n <= 500)) {
    throw new ConfigError('CONFIG_INVALID', 'ElevenLabs chunkLengthSchedule entries must be 50-500 characters.');
  }
  const { http, ws } = httpAndWsBase(o.baseUrl ?? (o.env ?? process.env).ELEVENLABS_BASE_URL ?? 'https://api.elevenlabs.io', 'ElevenLabs');
  return {
    apiKey,
    httpBase: http,
    wsBase: ws,
    voiceId: o.voiceId ?? ELEVENLABS_DEFAULT_VOICE,
    modelId: o.modelId ?? 'eleven_flash_v2_5',
    voiceSettings: o.voiceSettings,
    chunkLengthSchedule: schedule,
    autoMode: o.autoMode ?? true,
    languageCode: o.languageCode,
    inactivityTimeoutS: Math.min(180, Math.max(5, o.inactivityTimeoutS ?? 180)),
    keepAliveMs: o.keepAliveMs ?? 10_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 5000,
    audioTimeoutMs: o.audioTimeoutMs ?? 10_000,
    retry: retryPolicy(o.retry),
    clock: o.clock ?? defaultClock,
  };
}

/** ElevenLabs `output_format` for an audio spec (mu-law 8k or raw PCM, so nothing is transcoded). */
export function elevenLabsFormat(spec: AudioSpec): string {
  return spec.encoding === 'mulaw' ? 'ulaw_8000' : `pcm_${spec.sampleRate}`;
}

/** The multi-context WebSocket URL. */
export function multiStreamUrl(c: ElevenLabsConfig, voiceId: string, spec: AudioSpec): string {
  const q = new URLSearchParams({
    model_id: c.modelId,
    output_format: elevenLabsFormat(spec),
    auto_mode: String(c.autoMode),
    inactivity_timeout: String(c.inactivityTimeoutS),
    // Alignment with every chunk tells how far delivered audio got, for resume after a drop.
    sync_alignment: 'true',
  });
  if (c.languageCode !== undefined) q.set('language_code', c.languageCode);
  return `${c.wsBase}/v1/text-to-speech/${encodeURIComponent(voiceId)}/multi-stream-input?${q.toString()}`;
}
