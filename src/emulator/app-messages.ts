/**
 * What Plivo does with each message an app sends on a stream (docs/plivo-protocol.md §3),
 * including the mistakes the troubleshooting guide lists: a contentType or sampleRate that
 * differs from the Stream XML is `invalid_content_type` (a name from the guide only) and the audio is dropped; a payload
 * with a WAV header is refused ("send raw audio only"); `playAudio` on a stream that is not
 * bidirectional is ignored; checkpoint/clearAudio must name this stream.
 */
import { isWav } from '../audio/wav.js';
import { isCallwireError } from '../errors.js';
import { formatFromWire } from '../protocol/format.js';
import { parseOutbound, type ReceivedPlayAudio } from '../protocol/parse-outbound.js';
import type { ErrorCode } from '../errors.js';
import type { PlivoErrorName } from './events.js';
import type { LegConfig } from './leg-config.js';

/**
 * What judging an app's message needs from the stream it came on (the emulator's stream is one).
 * Narrow on purpose: this file does not import the stream, so the two do not form a circle.
 */
export interface AppMessageTarget {
  readonly config: Pick<LegConfig, 'format' | 'bidirectional'>;
  readonly streamId: string;
  protocolError(code: ErrorCode, message: string, plivoError?: PlivoErrorName): void;
  warnOnce(message: string): void;
  acceptAudio(audio: Uint8Array): void;
  addCheckpoint(name: string): void;
  clear(): void;
  appDtmf(digits: string): void;
}

function onPlayAudio(leg: AppMessageTarget, msg: ReceivedPlayAudio): void {
  const format = leg.config.format;
  if (!leg.config.bidirectional) {
    leg.protocolError('EMULATOR_NOT_BIDIRECTIONAL', 'playAudio on a stream that is not bidirectional: Plivo ignores it (set bidirectional="true")');
    return;
  }
  if (formatFromWire(msg.contentType, msg.sampleRate) !== format) {
    leg.protocolError(
      'EMULATOR_INVALID_CONTENT_TYPE',
      `playAudio says ${msg.contentType.slice(0, 40)} at ${String(msg.sampleRate).slice(0, 12)} Hz but the Stream XML says ${format.contentType}; the audio was dropped`,
      'invalid_content_type',
    );
    return;
  }
  if (msg.contentType.includes(';')) leg.warnOnce('playAudio contentType carries ";rate=": Plivo documents it without parameters');
  if (isWav(msg.audio)) {
    leg.protocolError('EMULATOR_WAV_HEADER', 'playAudio payload starts with a WAV (RIFF) header: Plivo expects raw audio; the audio was dropped');
    return;
  }
  let audio = msg.audio;
  if (format.bytesPerSample === 2 && audio.length % 2 === 1) {
    leg.protocolError('AUDIO_ODD_LENGTH', `L16 playAudio payload has an odd byte count (${audio.length}); the last byte was dropped`);
    audio = audio.subarray(0, audio.length - 1);
  }
  if (audio.length > 0) leg.acceptAudio(audio);
}

function sameStream(leg: AppMessageTarget, event: string, streamId: string): boolean {
  if (streamId === leg.streamId) return true;
  leg.protocolError('EMULATOR_WRONG_STREAM_ID', `${event} names stream "${streamId.slice(0, 40)}", not this stream (${leg.streamId}); ignored`);
  return false;
}

/** Judge and apply one WebSocket message from the app. Never throws. */
export function handleAppMessage(leg: AppMessageTarget, data: Buffer, isBinary: boolean): void {
  if (isBinary) {
    leg.protocolError('PROTOCOL_BINARY_FRAME', `binary WebSocket frame of ${data.length} bytes: Plivo expects JSON text frames`);
    return;
  }
  let msg: ReturnType<typeof parseOutbound>;
  try {
    msg = parseOutbound(data, Number.POSITIVE_INFINITY);
  } catch (e) {
    if (isCallwireError(e)) leg.protocolError(e.code, e.message);
    else leg.protocolError('PROTOCOL_INVALID_JSON', 'unreadable message');
    return;
  }
  switch (msg.event) {
    case 'playAudio':
      onPlayAudio(leg, msg);
      return;
    case 'checkpoint':
      if (!leg.config.bidirectional) leg.protocolError('EMULATOR_NOT_BIDIRECTIONAL', 'checkpoint on a stream that is not bidirectional: ignored');
      else if (sameStream(leg, 'checkpoint', msg.streamId)) leg.addCheckpoint(msg.name);
      return;
    case 'clearAudio':
      if (sameStream(leg, 'clearAudio', msg.streamId)) leg.clear();
      return;
    case 'sendDTMF':
      leg.appDtmf(msg.dtmf);
      return;
    default: {
      const never: never = msg;
      leg.protocolError('EMULATOR_UNEXPECTED_MESSAGE', `unhandled event ${String((never as { event: unknown }).event)}`);
    }
  }
}
