/**
 * What a CallStream tells the application: stream info, inbound audio frames, lifecycle
 * events and how the stream ended.
 */
import type { CallwireError } from '../errors.js';
import type { StreamFormat } from '../protocol/format.js';

/** The call as known from `start` (and the answer request, when the stream URL carried it). */
export interface StreamInfo {
  readonly streamId: string;
  readonly callId: string;
  readonly accountId: string;
  readonly tracks: readonly string[];
  /** The format Plivo says it streams (from `start.mediaFormat`). */
  readonly format: StreamFormat;
  /** Parsed `extra_headers`. */
  readonly extraHeaders: Readonly<Record<string, string>>;
  /** Answer-request parameters (From, To, Direction, ...) carried by the signed stream URL, if any. */
  readonly callParams: Readonly<Record<string, string>>;
  /** Wall-clock epoch ms when `start` arrived. */
  readonly startedAt: number;
}

/** One inbound frame of streamed audio (the caller's, unless `track` says outbound). */
export interface InboundAudioFrame {
  /**
   * Which track Plivo streamed it on: `inbound` (the caller) or `outbound` (what the call
   * plays to the caller), per the Stream XML's `audioTrack`.
   */
  readonly track: 'inbound' | 'outbound';
  /** Decoded PCM16 at the rate the application asked for. */
  readonly pcm: Int16Array;
  readonly sampleRate: number;
  /** The raw payload bytes in the stream's wire format (for STT that takes mu-law directly). */
  readonly wire: Uint8Array;
  readonly sequenceNumber: number;
  readonly chunk: number;
  /** Plivo's wall-clock timestamp (epoch ms string, as sent). */
  readonly timestamp: string;
  /** Monotonic ms (the stream's clock) when the frame was received. */
  readonly receivedAt: number;
  /** Position on its track: ms of that track's audio received before this frame. */
  readonly audioMs: number;
  /** Duration of this frame in ms. */
  readonly durationMs: number;
}

/** Who ended a stream. */
export type EndedBy = 'caller' | 'agent' | 'socket_error' | 'keepalive' | 'drain' | 'server' | 'protocol';

/** How a stream ended. */
export interface EndInfo {
  readonly by: EndedBy;
  readonly reason: string;
  /** WebSocket close code, when there was one. */
  readonly closeCode?: number;
  readonly error?: CallwireError;
  /** Monotonic ms. */
  readonly at: number;
}

/** Per-stream counters, for the record, metrics and the dashboard. */
export interface StreamCounters {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  /** Frames of the outbound track received (audioTrack outbound/both); not in framesIn. */
  outboundFramesIn: number;
  /** Inbound frames missing from the sequence (gaps in each track's chunk numbers). */
  gaps: number;
  /** Inbound frames that arrived out of order or duplicated within their track. */
  lateFrames: number;
  /** Frames that failed to parse or were rejected. */
  badFrames: number;
  dtmf: number;
  checkpointsSent: number;
  checkpointsPlayed: number;
  checkpointsCleared: number;
  /** Checkpoints settled without a playedStream (it never came within the ack margin). */
  checkpointsUnacked: number;
  clears: number;
  /** Times outbound sending paused because the socket buffer was full. */
  backpressureEvents: number;
  /** Pings whose pong came later than the keepalive's lateMs (a slow connection). */
  latePongs: number;
  /** Largest estimated lead of sent-but-unplayed audio (ms). */
  maxLeadMs: number;
}

/** Create zeroed counters. */
export function newCounters(): StreamCounters {
  return {
    framesIn: 0,
    bytesIn: 0,
    framesOut: 0,
    bytesOut: 0,
    outboundFramesIn: 0,
    gaps: 0,
    lateFrames: 0,
    badFrames: 0,
    dtmf: 0,
    checkpointsSent: 0,
    checkpointsPlayed: 0,
    checkpointsCleared: 0,
    checkpointsUnacked: 0,
    clears: 0,
    backpressureEvents: 0,
    latePongs: 0,
    maxLeadMs: 0,
  };
}

/** Events a CallStream emits, by name. */
export interface CallStreamEvents {
  start: StreamInfo;
  /** Caller audio (the inbound track): what the agent hears. */
  audio: InboundAudioFrame;
  /** The call's own audio (the outbound track, with audioTrack outbound/both), kept apart from the caller's. */
  outboundAudio: InboundAudioFrame;
  dtmf: { readonly digit: string; readonly at: number };
  /** Plivo acknowledged a checkpoint (`playedStream`). */
  played: { readonly name: string; readonly at: number };
  /** Plivo acknowledged `clearAudio` (`clearedAudio`). */
  cleared: { readonly at: number };
  /** The connection is slow: outbound audio is backing up (socket buffer over its bound), or a pong is late. */
  degraded: { readonly reason: string; readonly bufferedBytes: number; readonly at: number };
  /** A non-fatal problem: a bad frame, a listener that threw, an unknown event. The call goes on. */
  warning: { readonly error: CallwireError; readonly at: number };
  end: EndInfo;
}
