/**
 * Read a Plivo answer document the way Plivo would: find the `<Stream>` element and apply
 * Plivo's defaults to every attribute not stated. Used by the emulator (to play Plivo) and the
 * doctor (to flag what is missing or wrong). Pure.
 */
import { XmlError } from '../errors.js';
import { type StreamFormat, formatFromContentType } from './format.js';
import type { AudioTrack } from './stream-xml.js';
import { type XmlElement, parseXml } from './xml-parse.js';

/** What Plivo would do with a `<Stream>` element. */
export interface StreamXmlInfo {
  /** The element's text content, trimmed: the WebSocket URL. */
  readonly url: string;
  /** Every attribute exactly as written. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Effective values (Plivo's documented defaults where unstated). */
  readonly bidirectional: boolean;
  readonly audioTrack: AudioTrack | string;
  readonly streamTimeout: number;
  readonly keepCallAlive: boolean;
  /** The stated contentType, or Plivo's legacy default `audio/x-l16;rate=8000`. */
  readonly contentType: string;
  /** The format for {@link contentType}, or undefined when Plivo does not support it. */
  readonly format: StreamFormat | undefined;
  readonly statusCallbackUrl: string | undefined;
  readonly statusCallbackMethod: string;
  readonly extraHeaders: string;
  /** Names of the verbs in `<Response>`, in order (e.g. Speak, Stream). */
  readonly verbs: readonly string[];
}

/**
 * Plivo's default contentType. The legacy reference, REST docs and Node SDK say l16/8000;
 * a newer overview says mu-law (docs/plivo-protocol.md §1.2, [CONFLICT]). The emulator follows
 * the legacy default so an app that omits contentType is caught by its own audio sounding wrong.
 */
export const PLIVO_DEFAULT_CONTENT_TYPE = 'audio/x-l16;rate=8000';

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value.trim().toLowerCase() === 'true';
}

/**
 * Parse an answer document and describe its first `<Stream>` element.
 * @throws XmlError XML_PARSE_FAILED, or XML_NO_STREAM_ELEMENT when there is no Stream in a Response.
 */
export function readStreamXml(xml: string): StreamXmlInfo {
  const root: XmlElement = parseXml(xml);
  if (root.name !== 'Response') {
    throw new XmlError('XML_NO_STREAM_ELEMENT', `root element is <${root.name.slice(0, 32)}>, expected <Response>`);
  }
  const stream = root.children.find((c) => c.name === 'Stream');
  if (stream === undefined) throw new XmlError('XML_NO_STREAM_ELEMENT', 'the answer XML has no <Stream> element');
  const a = stream.attributes;
  const contentType = a.contentType ?? PLIVO_DEFAULT_CONTENT_TYPE;
  const timeout = a.streamTimeout === undefined ? 86400 : Number(a.streamTimeout);
  return {
    url: stream.text.trim(),
    attributes: a,
    bidirectional: bool(a.bidirectional, false),
    audioTrack: a.audioTrack ?? 'inbound',
    streamTimeout: Number.isFinite(timeout) ? timeout : 86400,
    keepCallAlive: bool(a.keepCallAlive, false),
    contentType,
    format: formatFromContentType(contentType),
    statusCallbackUrl: a.statusCallbackUrl,
    statusCallbackMethod: (a.statusCallbackMethod ?? 'POST').toUpperCase(),
    extraHeaders: a.extraHeaders ?? '',
    verbs: root.children.map((c) => c.name),
  };
}
