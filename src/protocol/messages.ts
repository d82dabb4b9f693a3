/**
 * Plivo Audio Streams wire messages, both directions, as discriminated unions on `event`.
 * Field names are exactly as on the wire (docs/plivo-protocol.md §2, §3); fields that
 * callwire derives (decoded audio, parsed extra headers) are camelCase and marked.
 */
import type { Encoding } from './format.js';

/** `extra_headers` as sent, plus the parsed key/value record (derived). */
export interface ExtraHeaderFields {
  /** The raw `extra_headers` string as sent (empty when absent). */
  readonly extra_headers: string;
  /** Derived: `extra_headers` parsed (`,`/`;` delimited or JSON). */
  readonly extraHeaders: Readonly<Record<string, string>>;
}

/** `start`: the first message on a stream. https://www.plivo.com/docs/voice-agents/audio-streaming/concepts/audio-streaming-reference */
export interface StartMessage extends ExtraHeaderFields {
  readonly event: 'start';
  readonly sequenceNumber: number;
  readonly start: {
    readonly callId: string;
    readonly streamId: string;
    readonly accountId: string;
    readonly tracks: readonly string[];
    readonly mediaFormat: { readonly encoding: Encoding; readonly sampleRate: number };
  };
}

/** `media`: one chunk (about 20 ms) of caller audio. */
export interface MediaMessage extends ExtraHeaderFields {
  readonly event: 'media';
  readonly sequenceNumber: number;
  readonly streamId: string;
  readonly media: {
    readonly track: string;
    /** Unix epoch milliseconds, a string on the wire. */
    readonly timestamp: string;
    readonly chunk: number;
    /** Base64 raw audio, as sent. */
    readonly payload: string;
  };
  /** Derived: the decoded payload bytes. */
  readonly audio: Uint8Array;
}

/** `dtmf`: a key press on the caller's side. */
export interface DtmfMessage extends ExtraHeaderFields {
  readonly event: 'dtmf';
  readonly sequenceNumber: number;
  readonly streamId: string;
  readonly dtmf: { readonly track: string; readonly digit: string; readonly timestamp: string };
}

/**
 * `playedStream`: Plivo's answer to a `checkpoint` once all audio queued before it has played.
 * A Plivo FAQ spells the event `played`; both parse to this type ({@link PlayedStreamMessage.wireEvent} keeps which).
 */
export interface PlayedStreamMessage {
  readonly event: 'playedStream';
  readonly sequenceNumber: number;
  readonly streamId: string;
  readonly name: string;
  /** Which spelling arrived on the wire. */
  readonly wireEvent: 'playedStream' | 'played';
}

/** `clearedAudio`: Plivo's answer to `clearAudio`. */
export interface ClearedAudioMessage {
  readonly event: 'clearedAudio';
  readonly sequenceNumber: number;
  readonly streamId: string;
}

/** `stop`: not in Plivo's documented list, but seen in Plivo's own transport; treat as end of stream. */
export interface StopMessage {
  readonly event: 'stop';
  readonly sequenceNumber: number;
  readonly streamId: string;
  /** Whatever object came under `stop`, kept verbatim. */
  readonly stop: Readonly<Record<string, unknown>>;
}

/** Any other event: returned (never thrown) so the caller can log and count it. */
export interface UnknownInboundMessage {
  readonly event: 'unknown';
  /** The `event` string as sent. */
  readonly name: string;
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Every message Plivo sends to the app. */
export type InboundMessage =
  | StartMessage
  | MediaMessage
  | DtmfMessage
  | PlayedStreamMessage
  | ClearedAudioMessage
  | StopMessage
  | UnknownInboundMessage;

/** `playAudio`: audio for Plivo to play to the caller. contentType carries no `;rate=`. */
export interface PlayAudioMessage {
  readonly event: 'playAudio';
  readonly media: {
    readonly contentType: Encoding;
    readonly sampleRate: 8000 | 16000;
    /** Base64 raw audio (no headers). */
    readonly payload: string;
  };
}

/** `checkpoint`: ask Plivo to answer `playedStream` with this name once everything before it has played. */
export interface CheckpointMessage {
  readonly event: 'checkpoint';
  readonly streamId: string;
  readonly name: string;
}

/** `clearAudio`: drop everything buffered at Plivo; answered with `clearedAudio`. */
export interface ClearAudioMessage {
  readonly event: 'clearAudio';
  readonly streamId: string;
}

/** `sendDTMF`: play DTMF tones into the call. Digits match `^[0-9A-D*#]+$`. */
export interface SendDtmfMessage {
  readonly event: 'sendDTMF';
  readonly dtmf: string;
}

/** Every message the app sends to Plivo. */
export type OutboundMessage = PlayAudioMessage | CheckpointMessage | ClearAudioMessage | SendDtmfMessage;

/** Digits Plivo accepts in `sendDTMF` and reports in `dtmf`. */
export const DTMF_DIGITS = /^[0-9A-D*#]+$/;
