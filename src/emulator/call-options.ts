/** Options for one emulated call, and their checked, defaulted form. */
import { randomUUID } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { type StreamFormat, type StreamFormatName, streamFormat } from '../protocol/format.js';
import { type Impairments, checkImpairments } from './impairments.js';

/** How to reach the app: through its answer URL (like Plivo), or straight to a WebSocket. */
export interface CallOptions {
  /** The app's answer URL; Plivo fetches it and follows the `<Stream>` in the XML. */
  answerUrl?: string;
  /** Method for the answer URL (default POST, Plivo's default). */
  answerMethod?: 'GET' | 'POST';
  /** Skip the answer URL: connect here directly (ws:// or wss://). Needs {@link format}. */
  streamUrl?: string;
  /** Format for {@link streamUrl} (default mulaw/8000). Ignored with an answer URL: the XML decides. */
  format?: StreamFormat | StreamFormatName | string;
  /** Direct mode: bidirectional stream (default true). */
  bidirectional?: boolean;
  /** Direct mode: which tracks to stream (default inbound), as the Stream XML's `audioTrack`. */
  audioTrack?: 'inbound' | 'outbound' | 'both';
  /** Direct mode: `extra_headers` to send (`k=v,k2=v2`). */
  extraHeaders?: string;
  /** Direct mode: where to post status callbacks. */
  statusCallbackUrl?: string;
  /** Caller and called numbers (defaults are 555 numbers). */
  from?: string;
  to?: string;
  /** The call's UUID (default random). */
  callUuid?: string;
  /** Auth token for signing (default: the emulator's). `null` sends unsigned requests. */
  authToken?: string | null;
  /** Sign the WebSocket upgrade over the XML's URL as written (default) or its https:// form. */
  signUpgradeAs?: 'as-written' | 'https';
  /** Playback and capture speed: 1 = real time (default), 10 = ten times faster. */
  speed?: number;
  /** Network impairments on the caller's frames. */
  impairments?: Impairments;
  /** Record caller and heard audio (default true; turn off for load). */
  record?: boolean;
  /** Peak above which a frame counts as speech (default 1000, about -30 dBFS). */
  speechThreshold?: number;
  /** The caller hangs up after this long (ms, default 10 minutes). */
  maxDurationMs?: number;
  /** Voice for `say()` (default kal16). */
  voice?: string;
  /** WebSocket connection retries after a failure (default 2, as Plivo). */
  connectRetries?: number;
  /**
   * Reconnect a stream the app's side dropped mid-call (socket closed abnormally), as Plivo
   * does ("if an established connection is dropped, Plivo will automatically retry the
   * WebSocket connection twice"): up to `connectRetries` attempts, same CallUUID, a new stream
   * id, `start` again, and the caller's audio goes on. Default true, as Plivo
   * (https://plivo.com/docs/voice/audio-streaming/best-practices).
   */
  reconnectDropped?: boolean;
  /** Emulate Plivo ending the call when keepCallAlive is false and `<Stream>` is the last verb (default true). */
  honorKeepCallAlive?: boolean;
  /** Largest message accepted from the app (bytes, default 4 MiB). */
  maxMessageBytes?: number;
}

/** The options after checks and defaults. */
export interface ResolvedCallOptions {
  readonly answerUrl: string | undefined;
  readonly answerMethod: 'GET' | 'POST';
  readonly streamUrl: string | undefined;
  readonly format: StreamFormat;
  readonly bidirectional: boolean;
  readonly audioTrack: 'inbound' | 'outbound' | 'both';
  readonly extraHeaders: string;
  readonly statusCallbackUrl: string | undefined;
  readonly from: string;
  readonly to: string;
  readonly callUuid: string;
  readonly authToken: string | undefined;
  readonly signUpgradeAs: 'as-written' | 'https';
  readonly speed: number;
  readonly impairments: Impairments | undefined;
  readonly record: boolean;
  readonly speechThreshold: number;
  readonly maxDurationMs: number;
  readonly voice: string | undefined;
  readonly connectRetries: number;
  readonly reconnectDropped: boolean;
  readonly honorKeepCallAlive: boolean;
  readonly maxMessageBytes: number;
}

function invalid(message: string): never {
  throw new ConfigError('CONFIG_INVALID', message);
}

/** Check and default call options. @throws ConfigError CONFIG_INVALID / CONFIG_MISSING */
export function resolveCallOptions(o: CallOptions, emulatorToken: string | undefined): ResolvedCallOptions {
  if ((o.answerUrl === undefined) === (o.streamUrl === undefined)) {
    throw new ConfigError('CONFIG_MISSING', 'give exactly one of answerUrl (http/https) or streamUrl (ws/wss)');
  }
  if (o.answerUrl !== undefined && !/^https?:\/\//i.test(o.answerUrl)) invalid('answerUrl must be an http:// or https:// URL');
  if (o.streamUrl !== undefined && !/^wss?:\/\//i.test(o.streamUrl)) invalid('streamUrl must be a ws:// or wss:// URL');
  const speed = o.speed ?? 1;
  if (!(speed >= 0.25 && speed <= 100)) invalid('speed must be between 0.25 and 100');
  if (o.impairments !== undefined) checkImpairments(o.impairments);
  const maxDurationMs = o.maxDurationMs ?? 600_000;
  if (!(maxDurationMs > 0)) invalid('maxDurationMs must be positive');
  const audioTrack = o.audioTrack ?? 'inbound';
  if (audioTrack !== 'inbound' && audioTrack !== 'outbound' && audioTrack !== 'both') invalid('audioTrack must be inbound, outbound or both');
  const retries = o.connectRetries ?? 2;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) invalid('connectRetries must be 0-10');
  return {
    answerUrl: o.answerUrl,
    answerMethod: o.answerMethod ?? 'POST',
    streamUrl: o.streamUrl,
    format: streamFormat(o.format ?? 'mulaw/8000'),
    bidirectional: o.bidirectional ?? true,
    audioTrack,
    extraHeaders: o.extraHeaders ?? '',
    statusCallbackUrl: o.statusCallbackUrl,
    from: o.from ?? '+14155550100',
    to: o.to ?? '+14155550199',
    callUuid: o.callUuid ?? randomUUID(),
    authToken: o.authToken === null ? undefined : (o.authToken ?? emulatorToken),
    signUpgradeAs: o.signUpgradeAs ?? 'as-written',
    speed,
    impairments: o.impairments,
    record: o.record ?? true,
    speechThreshold: o.speechThreshold ?? 1000,
    maxDurationMs,
    voice: o.voice,
    connectRetries: retries,
    reconnectDropped: o.reconnectDropped ?? true,
    honorKeepCallAlive: o.honorKeepCallAlive ?? true,
    maxMessageBytes: o.maxMessageBytes ?? 4 * 1024 * 1024,
  };
}
