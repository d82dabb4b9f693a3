/**
 * What Plivo knows about one stream before connecting: from the answer XML's `<Stream>`,
 * from a REST "start a stream" request, or given directly.
 */
import { ConfigError } from '../errors.js';
import { formatFromContentType, type StreamFormat } from '../protocol/format.js';
import type { StreamXmlInfo } from '../protocol/read-stream-xml.js';
import type { StatusTarget } from './status-notifier.js';

/** One stream's settings. */
export interface LegConfig {
  readonly streamId: string;
  /** The WebSocket URL exactly as the XML wrote it. */
  readonly url: string;
  readonly format: StreamFormat;
  readonly bidirectional: boolean;
  readonly audioTrack: 'inbound' | 'outbound' | 'both';
  /** `extra_headers` as sent in start/media/dtmf. */
  readonly extraHeaders: string;
  readonly streamTimeoutS: number;
  readonly keepCallAlive: boolean;
  readonly statusCallback: StatusTarget | undefined;
  /** Echoed in status callbacks, as written. */
  readonly attributes: Readonly<Record<string, string>>;
}

function track(value: string): LegConfig['audioTrack'] {
  if (value === 'inbound' || value === 'outbound' || value === 'both') return value;
  throw new ConfigError('CONFIG_INVALID', `audioTrack "${value.slice(0, 20)}" is not inbound, outbound or both`);
}

function method(value: string | undefined): 'GET' | 'POST' {
  return value?.toUpperCase() === 'GET' ? 'GET' : 'POST';
}

/** Settings for the stream an answer XML describes. @throws ConfigError for an unsupported contentType */
export function legFromXml(streamId: string, info: StreamXmlInfo): LegConfig {
  if (info.format === undefined) {
    throw new ConfigError('CONFIG_INVALID', `the Stream XML contentType "${info.contentType.slice(0, 60)}" is not one Plivo supports`);
  }
  // readStreamXml reads an unusable value as the default; the emulator refuses it instead,
  // since Plivo documents a positive whole number of seconds and the app's XML is what is tested.
  const rawTimeout = info.attributes.streamTimeout;
  if (rawTimeout !== undefined && !/^\s*0*[1-9]\d{0,9}\s*$/.test(rawTimeout)) {
    throw new ConfigError('CONFIG_INVALID', `the Stream XML streamTimeout "${rawTimeout.slice(0, 20)}" is not a positive whole number of seconds`);
  }
  return {
    streamId,
    url: info.url,
    format: info.format,
    bidirectional: info.bidirectional,
    audioTrack: track(info.audioTrack),
    extraHeaders: info.extraHeaders,
    streamTimeoutS: info.streamTimeout,
    keepCallAlive: info.keepCallAlive,
    statusCallback: info.statusCallbackUrl === undefined ? undefined : { url: info.statusCallbackUrl, method: method(info.statusCallbackMethod) },
    attributes: info.attributes,
  };
}

/**
 * Settings from REST "start a stream" parameters (snake_case, as the API documents:
 * https://docs.plivo.com/docs/voice/api/audio-stream/initiate-an-audio-stream).
 * @throws ConfigError for a missing service_url or unsupported values
 */
export function legFromRest(streamId: string, p: Readonly<Record<string, string>>): LegConfig {
  const url = p.service_url;
  if (url === undefined || !/^wss?:\/\//i.test(url)) throw new ConfigError('CONFIG_INVALID', 'service_url must be a ws:// or wss:// URL');
  const contentType = p.content_type ?? 'audio/x-l16;rate=8000';
  const format = formatFromContentType(contentType);
  if (format === undefined) throw new ConfigError('CONFIG_INVALID', `content_type "${contentType.slice(0, 60)}" is not supported`);
  const timeout = p.stream_timeout === undefined ? 86400 : Number(p.stream_timeout);
  if (!Number.isInteger(timeout) || timeout <= 0) throw new ConfigError('CONFIG_INVALID', 'stream_timeout must be a positive integer');
  const attributes: Record<string, string> = {};
  const names: Record<string, string> = {
    bidirectional: 'bidirectional',
    audio_track: 'audioTrack',
    stream_timeout: 'streamTimeout',
    status_callback_url: 'statusCallbackUrl',
    status_callback_method: 'statusCallbackMethod',
    content_type: 'contentType',
    extra_headers: 'extraHeaders',
  };
  for (const [rest, xml] of Object.entries(names)) if (p[rest] !== undefined) attributes[xml] = p[rest] as string;
  return {
    streamId,
    url,
    format,
    bidirectional: p.bidirectional?.toLowerCase() === 'true',
    audioTrack: track(p.audio_track ?? 'inbound'),
    extraHeaders: p.extra_headers ?? '',
    streamTimeoutS: timeout,
    keepCallAlive: true,
    statusCallback: p.status_callback_url === undefined ? undefined : { url: p.status_callback_url, method: method(p.status_callback_method) },
    attributes,
  };
}
