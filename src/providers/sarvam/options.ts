/**
 * Sarvam streaming speech-to-text settings and the `/speech-to-text/ws` URL they produce.
 * Sources: https://docs.sarvam.ai/api-reference-docs/speech-to-text/transcribe/ws (AsyncAPI of
 * the WebSocket: query `language-code`, `model`, `sample_rate`, `input_audio_codec`,
 * `vad_signals`, `high_vad_sensitivity`, `flush_signal`; auth header `api-subscription-key`),
 * https://docs.sarvam.ai/api-reference-docs/api-guides-tutorials/speech-to-text/streaming-api
 * (models saarika:v2.5, saaras:v3), and the sarvamai JS SDK's enums
 * (SpeechToTextStreamingInputAudioCodec: wav, pcm_s16le, pcm_l16, pcm_raw; no mu-law codec is
 * listed, so the call's mu-law is converted to L16 by the agent before it reaches Sarvam).
 */
import type { Clock } from '../../clock.js';
import { resolveApiKey } from '../net/api-key.js';
import { resolveStreamingSttSettings } from '../net/stt-settings.js';
import { httpAndWsBase } from '../net/base-url.js';
import type { RetryOptions, RetryPolicy } from '../net/retry.js';
import type { VendorInfo } from '../net/vendor.js';
import type { AudioSpec } from '../types.js';

/** Sarvam as the STT vendor. */
export const SARVAM_STT: VendorInfo = { id: 'sarvam', label: 'Sarvam', envVar: 'SARVAM_API_KEY', kind: 'stt' };

/** Options of {@link SarvamStt}. */
export interface SarvamSttOptions {
  /** Default SARVAM_API_KEY. */
  readonly apiKey?: string;
  /** Default SARVAM_BASE_URL, else `wss://api.sarvam.ai`; http(s) URLs are turned into ws(s). */
  readonly baseUrl?: string;
  /** Default `saarika:v2.5`. */
  readonly model?: string;
  /** Sarvam language code (`hi-IN`, `ta-IN`, ..., or `unknown` to detect); default `hi-IN`. */
  readonly language?: string;
  /** Sarvam's high VAD sensitivity (query `high_vad_sensitivity`); default false. */
  readonly highVadSensitivity?: boolean;
  /** WebSocket handshake limit; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Wait for the last transcript after a flush at close; default 3000 ms. */
  readonly closeTimeoutMs?: number;
  /** Un-transcribed audio kept for replay after a reconnect; default 30 000 ms. */
  readonly replayLimitMs?: number;
  /** Retries of the first connect (default 3 attempts). */
  readonly retry?: RetryOptions;
  /** Retries of a mid-call reconnect (default 6 attempts). */
  readonly reconnect?: RetryOptions;
  /** Events buffered for a slow consumer; default 1024. */
  readonly eventCapacity?: number;
  readonly clock?: Clock;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Resolved settings. */
export interface SarvamSttConfig {
  readonly apiKey: string;
  readonly wsBase: string;
  readonly model: string;
  readonly language: string;
  readonly highVadSensitivity: boolean;
  readonly connectTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly replayLimitMs: number;
  readonly retry: RetryPolicy;
  readonly reconnect: RetryPolicy;
  readonly eventCapacity: number;
  readonly clock: Clock;
}

/** The base URL from options or SARVAM_BASE_URL. */
export function sarvamBase(baseUrl: string | undefined, env: Readonly<Record<string, string | undefined>> | undefined): { http: string; ws: string } {
  return httpAndWsBase(baseUrl ?? (env ?? process.env).SARVAM_BASE_URL ?? 'wss://api.sarvam.ai', 'Sarvam');
}

/** Validate and resolve; throws ConfigError naming SARVAM_API_KEY when no key is set. */
export function resolveSarvamSttConfig(o: SarvamSttOptions): SarvamSttConfig {
  return {
    apiKey: resolveApiKey(SARVAM_STT, o.apiKey, { env: o.env }),
    wsBase: sarvamBase(o.baseUrl, o.env).ws,
    model: o.model ?? 'saarika:v2.5',
    language: o.language ?? 'hi-IN',
    highVadSensitivity: o.highVadSensitivity ?? false,
    ...resolveStreamingSttSettings(o),
  };
}

/** The streaming URL for one session (L16 only: see the module comment). */
export function sttUrl(c: SarvamSttConfig, audio: AudioSpec, language: string | undefined): string {
  const q = new URLSearchParams();
  q.set('language-code', language ?? c.language);
  q.set('model', c.model);
  q.set('sample_rate', String(audio.sampleRate));
  q.set('input_audio_codec', 'pcm_s16le');
  // VAD signals give START_SPEECH/END_SPEECH (barge-in); flush_signal lets finalize() ask for
  // the transcript of what was heard so far.
  q.set('vad_signals', 'true');
  q.set('flush_signal', 'true');
  q.set('high_vad_sensitivity', String(c.highVadSensitivity));
  return `${c.wsBase}/speech-to-text/ws?${q.toString()}`;
}
