/**
 * Build the `<Stream>` answer XML (docs/plivo-protocol.md §1) from one StreamFormat, refusing
 * inputs Plivo would reject or misread. Its output is equivalent to the plivo SDK's
 * `Response().addStream()` for the same inputs (checked by a property test), except that
 * it always states contentType, keepCallAlive and bidirectional and escapes quotes.
 */
import { XmlError } from '../errors.js';
import { formatExtraHeaders, parseExtraHeaders } from './extra-headers.js';
import { type StreamFormat, type StreamFormatName, streamFormat } from './format.js';
import { escapeXml } from './xml-escape.js';

/** Which audio Plivo streams to the app. */
export type AudioTrack = 'inbound' | 'outbound' | 'both';

/** Inputs of {@link streamXml}. */
export interface StreamXmlOptions {
  /** The WebSocket URL Plivo connects to; must be `wss://` unless {@link allowInsecure}. */
  url: string;
  /** The one format used by the XML and by every playAudio. */
  format: StreamFormat | StreamFormatName;
  /** Default true: without it Plivo ignores playAudio (the guide's "no audio playback"). */
  bidirectional?: boolean;
  /** Default `inbound`; must be `inbound` when bidirectional. */
  audioTrack?: AudioTrack;
  /** Seconds; a positive integer. Plivo's default is 86400. */
  streamTimeout?: number;
  statusCallbackUrl?: string;
  statusCallbackMethod?: 'GET' | 'POST';
  /** Record or `k=v,k2=v2`; only [A-Za-z0-9] in keys and values, at most 512 bytes. */
  extraHeaders?: Readonly<Record<string, string>> | string;
  /** Default true: Plivo's docs say to set it, or the call may drop right after connecting. */
  keepCallAlive?: boolean;
  /**
   * Permit a `ws://` URL. Plivo accepts ws:// as well as wss:// (its REST API takes ws://
   * service URLs: plivo-python tests/resources/fixtures/liveCallStreamGetAllResponse.json), but
   * the caller's audio, call details and signatures would cross the internet unencrypted, so
   * callwire refuses it unless asked: for local development.
   */
  allowInsecure?: boolean;
}

/** Largest extraHeaders value Plivo accepts (bytes). */
export const MAX_EXTRA_HEADERS_BYTES = 512;

const ALNUM = /^[A-Za-z0-9]+$/;

// The URL parser forgives what the XML would carry verbatim: `wss:host` (no slashes), tabs and
// newlines (dropped), controls and lone surrogates (escaped or replaced). The document holds
// the raw text, so Plivo would read a different URL than the one validated: refuse those.
const UNSAFE_URL = /[\s\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Parse a URL to be written into the XML as is; `what` names it in errors. */
function parseRawUrl(raw: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch (cause) {
    throw new XmlError('XML_INVALID_URL', `${what} is not a valid URL`, { cause });
  }
  if (UNSAFE_URL.test(raw) || !raw.toLowerCase().startsWith(`${parsed.protocol}//`)) {
    throw new XmlError('XML_INVALID_URL', `${what} must be written as scheme://host/path, without spaces or control characters`);
  }
  return parsed;
}

function checkUrl(url: string, allowInsecure: boolean): void {
  const parsed = parseRawUrl(url.trim(), 'stream URL');
  if (parsed.protocol === 'wss:') return;
  if (parsed.protocol === 'ws:') {
    if (allowInsecure) return;
    throw new XmlError(
      'XML_INSECURE_URL',
      'stream URL uses ws://: Plivo accepts it, but the call\'s audio would travel unencrypted; use wss:// (pass allowInsecure / --insecure only for local development)',
    );
  }
  throw new XmlError('XML_INSECURE_URL', `stream URL must start with wss:// (got ${parsed.protocol}//)`);
}

function checkExtraHeaders(value: Readonly<Record<string, string>> | string): string {
  const record = typeof value === 'string' ? parseExtraHeaders(value) : value;
  for (const [k, v] of Object.entries(record)) {
    if (!ALNUM.test(k) || !ALNUM.test(v)) {
      throw new XmlError(
        'XML_INVALID_EXTRA_HEADERS',
        `extraHeaders entry "${k.slice(0, 32)}" has characters Plivo does not allow: keys and values may only use [A-Za-z0-9]`,
        { details: { key: k.slice(0, 32) } },
      );
    }
  }
  const text = formatExtraHeaders(record);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_EXTRA_HEADERS_BYTES) {
    throw new XmlError('XML_EXTRA_HEADERS_TOO_LONG', `extraHeaders is ${bytes} bytes; Plivo allows at most 512`, {
      details: { bytes, limit: MAX_EXTRA_HEADERS_BYTES },
    });
  }
  return text;
}

/** The `<Stream>` attributes, in emission order, after validation. */
export function streamAttributes(options: StreamXmlOptions): [string, string][] {
  checkUrl(options.url, options.allowInsecure === true);
  const format = streamFormat(options.format);
  const bidirectional = options.bidirectional ?? true;
  const audioTrack = options.audioTrack ?? 'inbound';
  if (audioTrack !== 'inbound' && audioTrack !== 'outbound' && audioTrack !== 'both') {
    throw new XmlError('XML_INVALID_AUDIO_TRACK', 'audioTrack must be inbound, outbound or both');
  }
  if (bidirectional && audioTrack !== 'inbound') {
    throw new XmlError(
      'XML_INVALID_AUDIO_TRACK',
      `audioTrack="${audioTrack}" is not allowed with bidirectional="true"; Plivo requires inbound`,
    );
  }
  const attrs: [string, string][] = [
    ['bidirectional', String(bidirectional)],
    ['audioTrack', audioTrack],
  ];
  if (options.streamTimeout !== undefined) {
    const t = options.streamTimeout;
    if (!Number.isInteger(t) || t <= 0) {
      throw new XmlError('XML_INVALID_TIMEOUT', 'streamTimeout must be a positive whole number of seconds');
    }
    attrs.push(['streamTimeout', String(t)]);
  }
  if (options.statusCallbackUrl !== undefined) {
    const u = parseRawUrl(options.statusCallbackUrl, 'statusCallbackUrl');
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      throw new XmlError('XML_INVALID_URL', 'statusCallbackUrl must be an http(s) URL');
    }
    attrs.push(['statusCallbackUrl', options.statusCallbackUrl]);
    const method = options.statusCallbackMethod ?? 'POST';
    if (method !== 'GET' && method !== 'POST') {
      throw new XmlError('XML_INVALID_ATTRIBUTE', 'statusCallbackMethod must be GET or POST');
    }
    attrs.push(['statusCallbackMethod', method]);
  }
  // Plivo's docs disagree on the default contentType (l16 vs mu-law): always state it.
  attrs.push(['contentType', format.contentType]);
  if (options.extraHeaders !== undefined) {
    const text = checkExtraHeaders(options.extraHeaders);
    if (text !== '') attrs.push(['extraHeaders', text]);
  }
  attrs.push(['keepCallAlive', String(options.keepCallAlive ?? true)]);
  return attrs;
}

/** Just the `<Stream ...>url</Stream>` element, for embedding after other verbs. */
export function streamElement(options: StreamXmlOptions): string {
  const attrs = streamAttributes(options)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  return `<Stream${attrs}>${escapeXml(options.url.trim())}</Stream>`;
}

/**
 * The whole answer document: `<Response><Stream ...>wss://...</Stream></Response>`.
 * @throws XmlError XML_INSECURE_URL, XML_INVALID_URL, XML_INVALID_AUDIO_TRACK,
 *   XML_INVALID_EXTRA_HEADERS, XML_EXTRA_HEADERS_TOO_LONG, XML_INVALID_TIMEOUT
 */
export function streamXml(options: StreamXmlOptions): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  ${streamElement(options)}\n</Response>\n`;
}
