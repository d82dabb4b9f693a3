/**
 * Everything that happens on an emulated call, as a discriminated union on `type`. Every
 * event carries `t`: monotonic ms since the call was dialled. Per-frame traffic is not an
 * event (it is counted in the report); the timeline stays readable.
 */
import type { ErrorCode } from '../errors.js';
import type { StreamStatusName } from '../protocol/status.js';

/** Who ended the call. */
export type CallHangupBy = 'caller' | 'app' | 'api' | 'plivo' | 'timeout';

/** Why a stream ended. */
export type StreamEndReason =
  | 'hangup'
  | 'app_closed'
  | 'dropped'
  | 'buffer_overflow'
  | 'stream_timeout'
  | 'stopped_by_api'
  | 'transferred'
  | 'connect_failed';

/**
 * Error names for the failures the emulator reports. They come from the troubleshooting
 * guide ONLY: no Plivo page or SDK documents them on the wire (not in status callbacks, not
 * in close reasons), so they label faults here and are not a claim about what Plivo sends
 * (docs/plivo-protocol.md §8).
 */
export type PlivoErrorName = 'connection_failed' | 'authentication_failed' | 'invalid_content_type' | 'buffer_overflow';

/** One event on a call's timeline. */
export type CallEvent =
  | { readonly type: 'answer_request'; readonly t: number; readonly url: string; readonly method: string }
  | {
      readonly type: 'answer';
      readonly t: number;
      readonly status: number;
      readonly ms: number;
      readonly verbs: readonly string[];
      readonly streamUrl: string;
      readonly contentType: string;
    }
  | { readonly type: 'connecting'; readonly t: number; readonly streamId: string; readonly url: string; readonly attempt: number }
  | { readonly type: 'connected'; readonly t: number; readonly streamId: string; readonly ms: number }
  | {
      readonly type: 'connect_failed';
      readonly t: number;
      readonly streamId: string;
      readonly attempt: number;
      readonly status?: number;
      readonly reason: string;
    }
  | { readonly type: 'start_sent'; readonly t: number; readonly streamId: string; readonly format: string; readonly tracks: readonly string[] }
  | { readonly type: 'caller_speech'; readonly t: number; readonly phase: 'start' | 'end'; readonly label: string }
  | { readonly type: 'dtmf_sent'; readonly t: number; readonly digit: string }
  | { readonly type: 'bot_audio'; readonly t: number; readonly phase: 'start' }
  | { readonly type: 'bot_audio'; readonly t: number; readonly phase: 'stop'; readonly reason: 'drained' | 'cleared' | 'quiet' }
  | { readonly type: 'checkpoint'; readonly t: number; readonly streamId: string; readonly name: string; readonly pendingMs: number }
  | { readonly type: 'played_stream'; readonly t: number; readonly streamId: string; readonly name: string; readonly rttMs: number }
  | {
      readonly type: 'clear_audio';
      readonly t: number;
      readonly streamId: string;
      readonly droppedMs: number;
      readonly droppedCheckpoints: readonly string[];
    }
  | { readonly type: 'send_dtmf'; readonly t: number; readonly streamId: string; readonly digits: string }
  /** The app's playAudio queue at Plivo passed a fill level (it sends ahead of real time: the guide's buffer_overflow). */
  | { readonly type: 'buffer_level'; readonly t: number; readonly streamId: string; readonly percent: number }
  /** Plivo's buffer of caller audio the app's socket has not taken passed a fill level (a slow connection: DegradedStream). */
  | { readonly type: 'slow_connection'; readonly t: number; readonly streamId: string; readonly percent: number; readonly heldMs: number }
  | {
      readonly type: 'status_callback';
      readonly t: number;
      readonly streamId: string;
      readonly event: StreamStatusName;
      readonly status?: number;
      readonly error?: string;
    }
  | {
      readonly type: 'protocol_error';
      readonly t: number;
      readonly streamId: string;
      readonly code: ErrorCode;
      readonly plivoError?: PlivoErrorName;
      readonly message: string;
    }
  | { readonly type: 'response_latency'; readonly t: number; readonly ms: number }
  | { readonly type: 'barge_in'; readonly t: number; readonly ms: number; readonly cleared: boolean }
  | { readonly type: 'gap'; readonly t: number; readonly ms: number }
  | { readonly type: 'rest'; readonly t: number; readonly method: string; readonly path: string; readonly status: number }
  | { readonly type: 'transfer'; readonly t: number; readonly url: string; readonly legs?: 'aleg' | 'both'; readonly blegUrl?: string }
  /** Plivo reconnects a dropped stream: same call, a new stream id, `start` again. */
  | { readonly type: 'stream_reconnect'; readonly t: number; readonly streamId: string; readonly previousStreamId: string }
  | { readonly type: 'stream_end'; readonly t: number; readonly streamId: string; readonly reason: StreamEndReason; readonly code?: number }
  | { readonly type: 'warning'; readonly t: number; readonly message: string }
  | { readonly type: 'hangup'; readonly t: number; readonly by: CallHangupBy; readonly reason: string };

/** The `type` of each event. */
export type CallEventType = CallEvent['type'];
