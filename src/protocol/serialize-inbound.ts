/**
 * Build and serialize the messages Plivo sends, for the emulator, the browser phone and
 * tests. Emits the documented shapes (docs/plivo-protocol.md §2).
 */
import { ProtocolError } from '../errors.js';
import { encodeBase64 } from './base64.js';
import { parseExtraHeaders } from './extra-headers.js';
import type { StreamFormat } from './format.js';
import type {
  ClearedAudioMessage,
  DtmfMessage,
  InboundMessage,
  MediaMessage,
  PlayedStreamMessage,
  StartMessage,
  StopMessage,
} from './messages.js';

/** Fields of a `start` message. */
export interface StartInit {
  sequenceNumber?: number;
  callId: string;
  streamId: string;
  accountId: string;
  tracks?: string[];
  format: StreamFormat;
  extraHeaders?: string;
}

/** Build `start`. */
export function startMessage(init: StartInit): StartMessage {
  const raw = init.extraHeaders ?? '';
  return {
    event: 'start',
    sequenceNumber: init.sequenceNumber ?? 1,
    start: {
      callId: init.callId,
      streamId: init.streamId,
      accountId: init.accountId,
      tracks: init.tracks ?? ['inbound'],
      mediaFormat: { encoding: init.format.encoding, sampleRate: init.format.sampleRate },
    },
    extra_headers: raw,
    extraHeaders: parseExtraHeaders(raw),
  };
}

/** Fields of a `media` message. */
export interface MediaInit {
  sequenceNumber: number;
  streamId: string;
  chunk: number;
  /** Unix epoch ms. */
  timestamp: number | string;
  audio: Uint8Array;
  track?: string;
  extraHeaders?: string;
}

/** Build `media`. */
export function mediaMessage(init: MediaInit): MediaMessage {
  const raw = init.extraHeaders ?? '';
  return {
    event: 'media',
    sequenceNumber: init.sequenceNumber,
    streamId: init.streamId,
    media: {
      track: init.track ?? 'inbound',
      timestamp: String(init.timestamp),
      chunk: init.chunk,
      payload: encodeBase64(init.audio),
    },
    audio: init.audio,
    extra_headers: raw,
    extraHeaders: parseExtraHeaders(raw),
  };
}

/** Build `dtmf`. */
export function dtmfMessage(init: {
  sequenceNumber: number;
  streamId: string;
  digit: string;
  timestamp: number | string;
  extraHeaders?: string;
}): DtmfMessage {
  const raw = init.extraHeaders ?? '';
  return {
    event: 'dtmf',
    sequenceNumber: init.sequenceNumber,
    streamId: init.streamId,
    dtmf: { track: 'inbound', digit: init.digit, timestamp: String(init.timestamp) },
    extra_headers: raw,
    extraHeaders: parseExtraHeaders(raw),
  };
}

/** Build `playedStream`. */
export function playedStreamMessage(sequenceNumber: number, streamId: string, name: string): PlayedStreamMessage {
  return { event: 'playedStream', sequenceNumber, streamId, name, wireEvent: 'playedStream' };
}

/** Build `clearedAudio`. */
export function clearedAudioMessage(sequenceNumber: number, streamId: string): ClearedAudioMessage {
  return { event: 'clearedAudio', sequenceNumber, streamId };
}

/** Build `stop`. */
export function stopMessage(sequenceNumber: number, streamId: string, stop: Record<string, unknown> = {}): StopMessage {
  return { event: 'stop', sequenceNumber, streamId, stop };
}

/** Serialize an inbound message to wire text (derived fields are left out). */
export function serializeInbound(message: InboundMessage): string {
  switch (message.event) {
    case 'start':
      return JSON.stringify({
        event: 'start',
        sequenceNumber: message.sequenceNumber,
        start: message.start,
        extra_headers: message.extra_headers,
      });
    case 'media':
      // Hot path for the emulator and load generator: a template, no JSON.stringify.
      return `{"event":"media","sequenceNumber":${message.sequenceNumber},"streamId":${JSON.stringify(message.streamId)},"media":{"track":${JSON.stringify(message.media.track)},"timestamp":${JSON.stringify(message.media.timestamp)},"chunk":${message.media.chunk},"payload":"${message.media.payload}"},"extra_headers":${JSON.stringify(message.extra_headers)}}`;
    case 'dtmf':
      return JSON.stringify({
        event: 'dtmf',
        sequenceNumber: message.sequenceNumber,
        streamId: message.streamId,
        dtmf: message.dtmf,
        extra_headers: message.extra_headers,
      });
    case 'playedStream':
      return JSON.stringify({
        event: message.wireEvent,
        sequenceNumber: message.sequenceNumber,
        streamId: message.streamId,
        name: message.name,
      });
    case 'clearedAudio':
      return JSON.stringify({ event: 'clearedAudio', sequenceNumber: message.sequenceNumber, streamId: message.streamId });
    case 'stop':
      return JSON.stringify({ event: 'stop', sequenceNumber: message.sequenceNumber, streamId: message.streamId, stop: message.stop });
    case 'unknown':
      return JSON.stringify({ ...message.raw, event: message.name });
    default: {
      const never: never = message;
      throw new ProtocolError('PROTOCOL_UNKNOWN_EVENT', `cannot serialize ${String((never as { event: unknown }).event)}`);
    }
  }
}
