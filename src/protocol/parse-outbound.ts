/**
 * Parse what an app sends to Plivo: used by the emulator and the doctor to play Plivo's
 * part faithfully. Pure. Unlike inbound parsing, an unknown event is an error here,
 * because Plivo would not act on it.
 */
import { ProtocolError } from '../errors.js';
import { decodeBase64 } from './base64.js';
import { type JsonObject, objectField, parseJsonObject, stringField } from './fields.js';
import { DTMF_DIGITS } from './messages.js';

/** `playAudio` as received, before any check against the stream's format. */
export interface ReceivedPlayAudio {
  readonly event: 'playAudio';
  /** As sent (may wrongly carry `;rate=`, or another codec: the receiver decides). */
  readonly contentType: string;
  /** As sent, coerced to a number when numeric; NaN when not. */
  readonly sampleRate: number;
  /** Decoded payload bytes. */
  readonly audio: Uint8Array;
  /** Whether the sender also put a top-level streamId (Pipecat does; tolerated). */
  readonly streamId?: string;
}

/** Every message an app may send, as the Plivo side sees it. */
export type ReceivedOutbound =
  | ReceivedPlayAudio
  | { readonly event: 'checkpoint'; readonly streamId: string; readonly name: string }
  | { readonly event: 'clearAudio'; readonly streamId: string }
  | { readonly event: 'sendDTMF'; readonly dtmf: string };

function rate(media: JsonObject): number {
  const v = media.sampleRate;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) return Number(v);
  if (v === undefined || v === null) {
    throw new ProtocolError('PROTOCOL_MISSING_FIELD', 'missing field media.sampleRate', {
      details: { field: 'media.sampleRate' },
    });
  }
  return Number.NaN;
}

/**
 * Parse one frame an app sent to Plivo.
 * @throws ProtocolError (PROTOCOL_UNKNOWN_EVENT for events Plivo does not accept)
 */
export function parseOutbound(input: string | Uint8Array, maxLength = 1024 * 1024): ReceivedOutbound {
  const obj = parseJsonObject(input, maxLength);
  const event = stringField(obj, 'event', 'event');
  switch (event) {
    case 'playAudio': {
      const media = objectField(obj, 'media', 'media');
      const payload = stringField(media, 'payload', 'media.payload');
      const msg: ReceivedPlayAudio = {
        event: 'playAudio',
        contentType: stringField(media, 'contentType', 'media.contentType'),
        sampleRate: rate(media),
        audio: decodeBase64(payload, 'media.payload'),
      };
      return typeof obj.streamId === 'string' ? { ...msg, streamId: obj.streamId } : msg;
    }
    case 'checkpoint':
      return { event: 'checkpoint', streamId: stringField(obj, 'streamId', 'streamId'), name: stringField(obj, 'name', 'name') };
    case 'clearAudio':
      return { event: 'clearAudio', streamId: stringField(obj, 'streamId', 'streamId') };
    case 'sendDTMF': {
      const dtmf = stringField(obj, 'dtmf', 'dtmf');
      if (!DTMF_DIGITS.test(dtmf)) throw new ProtocolError('PROTOCOL_INVALID_DTMF', 'sendDTMF digits must match ^[0-9A-D*#]+$');
      return { event: 'sendDTMF', dtmf };
    }
    default:
      throw new ProtocolError('PROTOCOL_UNKNOWN_EVENT', `Plivo does not accept event "${event.slice(0, 40)}"`, {
        details: { event: event.slice(0, 40) },
      });
  }
}
