/**
 * Build and serialize what the app sends to Plivo. `playAudio` always carries the
 * contentType without `;rate=` and a numeric sampleRate (docs/plivo-protocol.md §3.1).
 */
import { ProtocolError } from '../errors.js';
import { encodeBase64 } from './base64.js';
import { type StreamFormat, streamFormat } from './format.js';
import {
  type CheckpointMessage,
  type ClearAudioMessage,
  DTMF_DIGITS,
  type OutboundMessage,
  type PlayAudioMessage,
  type SendDtmfMessage,
} from './messages.js';

/** Build `playAudio` for raw audio already in the stream's wire format (no headers). */
export function playAudio(format: StreamFormat | string, audio: Uint8Array | string): PlayAudioMessage {
  const f = streamFormat(format);
  return {
    event: 'playAudio',
    media: {
      contentType: f.encoding,
      sampleRate: f.sampleRate,
      payload: typeof audio === 'string' ? audio : encodeBase64(audio),
    },
  };
}

/** Build `checkpoint`. */
export function checkpoint(streamId: string, name: string): CheckpointMessage {
  if (streamId === '') throw new ProtocolError('PROTOCOL_MISSING_FIELD', 'checkpoint needs a streamId: wait for start');
  if (name === '') throw new ProtocolError('PROTOCOL_MISSING_FIELD', 'checkpoint needs a name');
  return { event: 'checkpoint', streamId, name };
}

/** Build `clearAudio`. The key is `streamId` (one of Plivo's own examples wrongly sends `stream_id`). */
export function clearAudio(streamId: string): ClearAudioMessage {
  if (streamId === '') throw new ProtocolError('PROTOCOL_MISSING_FIELD', 'clearAudio needs a streamId: wait for start');
  return { event: 'clearAudio', streamId };
}

/** Build `sendDTMF`; digits must match `^[0-9A-D*#]+$`. */
export function sendDtmf(digits: string): SendDtmfMessage {
  if (!DTMF_DIGITS.test(digits)) {
    throw new ProtocolError('PROTOCOL_INVALID_DTMF', 'DTMF digits must match ^[0-9A-D*#]+$', {
      details: { length: digits.length },
    });
  }
  return { event: 'sendDTMF', dtmf: digits };
}

/**
 * Serialize an outbound message to its wire text. `playAudio` is the hot path and is
 * written with a template (base64 never needs JSON escaping); the rest use JSON.stringify.
 */
export function serializeOutbound(message: OutboundMessage): string {
  switch (message.event) {
    case 'playAudio':
      return `{"event":"playAudio","media":{"contentType":"${message.media.contentType}","sampleRate":${message.media.sampleRate},"payload":"${message.media.payload}"}}`;
    case 'checkpoint':
      return JSON.stringify({ event: 'checkpoint', streamId: message.streamId, name: message.name });
    case 'clearAudio':
      return JSON.stringify({ event: 'clearAudio', streamId: message.streamId });
    case 'sendDTMF':
      return JSON.stringify({ event: 'sendDTMF', dtmf: message.dtmf });
    default: {
      const never: never = message;
      throw new ProtocolError('PROTOCOL_UNKNOWN_EVENT', `cannot serialize ${String((never as { event: unknown }).event)}`);
    }
  }
}
