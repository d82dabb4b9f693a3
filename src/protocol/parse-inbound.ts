/**
 * Parse what Plivo sends to the app. Pure: text in, a typed message or a ProtocolError out.
 * Unknown events are returned as `{ event: 'unknown' }`, never thrown.
 */
import { ProtocolError } from '../errors.js';
import { decodeBase64 } from './base64.js';
import { parseExtraHeaders } from './extra-headers.js';
import {
  type JsonObject,
  integerField,
  objectField,
  optionalInteger,
  optionalString,
  optionalStringArray,
  parseJsonObject,
  stringField,
} from './fields.js';
import type { Encoding } from './format.js';
import type { ExtraHeaderFields, InboundMessage } from './messages.js';

/** Limits for {@link parseInbound}. */
export interface ParseInboundOptions {
  /** Largest frame accepted, in bytes or UTF-16 units. Default 256 KiB (a 20 ms frame is under 1 KiB). */
  maxLength?: number;
}

/** Default largest inbound frame. */
export const DEFAULT_MAX_INBOUND_LENGTH = 256 * 1024;

const DIGIT = /^[0-9A-D*#]$/;

function extra(obj: JsonObject): ExtraHeaderFields {
  const raw = obj.extra_headers;
  // JSON-object extra headers (Plivo's Rust transport accepts them) are kept as their JSON text.
  const text = typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : JSON.stringify(raw);
  return { extra_headers: text, extraHeaders: parseExtraHeaders(raw) };
}

function encodingField(obj: JsonObject, path: string): Encoding {
  const v = stringField(obj, 'encoding', path).trim().toLowerCase();
  const base = v.split(';')[0];
  if (base === 'audio/x-mulaw' || base === 'audio/x-l16') return base;
  throw new ProtocolError('PROTOCOL_INVALID_FIELD', `field ${path} must be audio/x-mulaw or audio/x-l16`, {
    details: { field: path },
  });
}

/**
 * Parse one inbound WebSocket text frame.
 *
 * Tolerates what Plivo's own docs disagree on: numbers sent as numeric strings
 * (`sequenceNumber`, `chunk`, `sampleRate`), `extra_headers` delimited by `,` or `;` or
 * given as JSON, and the `played` spelling of `playedStream`.
 *
 * @throws ProtocolError with code PROTOCOL_INVALID_JSON, PROTOCOL_NOT_AN_OBJECT,
 *   PROTOCOL_MISSING_FIELD, PROTOCOL_INVALID_FIELD, PROTOCOL_INVALID_BASE64 or PROTOCOL_FRAME_TOO_LARGE.
 */
export function parseInbound(input: string | Uint8Array, options: ParseInboundOptions = {}): InboundMessage {
  const obj = parseJsonObject(input, options.maxLength ?? DEFAULT_MAX_INBOUND_LENGTH);
  const event = stringField(obj, 'event', 'event');
  switch (event) {
    case 'media': {
      const media = objectField(obj, 'media', 'media');
      const payload = stringField(media, 'payload', 'media.payload');
      return {
        event: 'media',
        sequenceNumber: optionalInteger(obj, 'sequenceNumber', 'sequenceNumber', 0),
        streamId: optionalString(obj, 'streamId', 'streamId', ''),
        media: {
          track: optionalString(media, 'track', 'media.track', 'inbound'),
          timestamp: optionalString(media, 'timestamp', 'media.timestamp', ''),
          chunk: optionalInteger(media, 'chunk', 'media.chunk', 0),
          payload,
        },
        audio: decodeBase64(payload, 'media.payload'),
        ...extra(obj),
      };
    }
    case 'start': {
      const start = objectField(obj, 'start', 'start');
      const mf = objectField(start, 'mediaFormat', 'start.mediaFormat');
      return {
        event: 'start',
        sequenceNumber: optionalInteger(obj, 'sequenceNumber', 'sequenceNumber', 0),
        start: {
          callId: stringField(start, 'callId', 'start.callId'),
          streamId: stringField(start, 'streamId', 'start.streamId'),
          accountId: optionalString(start, 'accountId', 'start.accountId', ''),
          tracks: optionalStringArray(start, 'tracks', 'start.tracks', ['inbound']),
          mediaFormat: {
            encoding: encodingField(mf, 'start.mediaFormat.encoding'),
            sampleRate: integerField(mf, 'sampleRate', 'start.mediaFormat.sampleRate'),
          },
        },
        ...extra(obj),
      };
    }
    case 'dtmf': {
      const dtmf = objectField(obj, 'dtmf', 'dtmf');
      const digit = stringField(dtmf, 'digit', 'dtmf.digit');
      if (!DIGIT.test(digit)) {
        throw new ProtocolError('PROTOCOL_INVALID_DTMF', 'field dtmf.digit must be one of 0-9, A-D, * or #', {
          details: { field: 'dtmf.digit' },
        });
      }
      return {
        event: 'dtmf',
        sequenceNumber: optionalInteger(obj, 'sequenceNumber', 'sequenceNumber', 0),
        streamId: optionalString(obj, 'streamId', 'streamId', ''),
        dtmf: {
          track: optionalString(dtmf, 'track', 'dtmf.track', 'inbound'),
          digit,
          timestamp: optionalString(dtmf, 'timestamp', 'dtmf.timestamp', ''),
        },
        ...extra(obj),
      };
    }
    // A Plivo support FAQ shows `played`; the reference shows `playedStream`.
    // https://support.plivo.com/hc/en-us/articles/32800564168345-How-do-I-know-if-the-buffered-audio-is-played
    case 'playedStream':
    case 'played':
      return {
        event: 'playedStream',
        sequenceNumber: optionalInteger(obj, 'sequenceNumber', 'sequenceNumber', 0),
        streamId: optionalString(obj, 'streamId', 'streamId', ''),
        name: stringField(obj, 'name', 'name'),
        wireEvent: event,
      };
    case 'clearedAudio':
      return {
        event: 'clearedAudio',
        sequenceNumber: optionalInteger(obj, 'sequenceNumber', 'sequenceNumber', 0),
        streamId: optionalString(obj, 'streamId', 'streamId', ''),
      };
    case 'stop': {
      const stop = obj.stop;
      return {
        event: 'stop',
        sequenceNumber: optionalInteger(obj, 'sequenceNumber', 'sequenceNumber', 0),
        streamId: optionalString(obj, 'streamId', 'streamId', ''),
        stop: typeof stop === 'object' && stop !== null && !Array.isArray(stop) ? (stop as JsonObject) : {},
      };
    }
    default:
      return { event: 'unknown', name: event.slice(0, 64), raw: obj };
  }
}
