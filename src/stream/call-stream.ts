/**
 * CallStream: one live Plivo audio stream (one WebSocket). Parses frames, enforces the
 * protocol's order (`start` first), buffers everything until the application has attached
 * its handlers (the guide's "register onMedia before start"), delivers inbound audio as
 * PCM16 at the rate the application asks for, owns the outbound Player and the keepalive,
 * and never throws into the server: a bad frame is logged with its code, counted, and the
 * call goes on.
 */
import type { RawData, WebSocket } from 'ws';
import { WireDecoder } from '../audio/codec.js';
import { RATE_RANGE, isSampleRate } from '../audio/rate.js';
import { SUPPORTED_RATES } from '../audio/resampler.js';
import { BoundedQueue } from '../bounded-queue.js';
import { type Clock, defaultClock } from '../clock.js';
import { type CallwireError, ConfigError, ProtocolError, RestError, StreamError, isCallwireError } from '../errors.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { LogSampler } from '../log/sampled.js';
import { TokenBucket } from '../token-bucket.js';
import { InboundAudioLimit, type InboundAudioLimits } from './inbound-audio-limit.js';
import { type StreamFormat, formatFromWire } from '../protocol/format.js';
import type { InboundMessage, MediaMessage } from '../protocol/messages.js';
import { sendDtmf as sendDtmfMessage, serializeOutbound } from '../protocol/outbound.js';
import { parseInbound } from '../protocol/parse-inbound.js';
import type { PlivoRestClient } from '../rest/plivo-rest.js';
import { CLOSE } from './close-codes.js';
import { Keepalive, type KeepaliveOptions } from './keepalive.js';
import { type Pacer, sharedPacer } from './pacer.js';
import { Player } from './player.js';
import { TrackSequencer, mediaTrack } from './track-sequence.js';
import { TypedEmitter } from './typed-emitter.js';
import {
  type CallStreamEvents,
  type EndInfo,
  type EndedBy,
  type InboundAudioFrame,
  type StreamCounters,
  type StreamInfo,
  newCounters,
} from './types.js';

/** Settings of a CallStream. */
export interface CallStreamOptions {
  /** A local id for logs before `start` gives the stream id. */
  readonly id?: string;
  readonly clock?: Clock;
  readonly pacer?: Pacer;
  readonly logger?: Logger;
  /** The format the answer XML declared; a different `start.mediaFormat` is reported. */
  readonly expectedFormat?: StreamFormat;
  /**
   * Rate of the PCM in inbound audio events; default the stream's own rate (no resampling).
   * A whole number of Hz from 1000 to 384000 (tested at 8000, 16000, 22050, 24000, 44100, 48000).
   */
  readonly inboundSampleRate?: number;
  /** Target outbound lead, ms (default 300). */
  readonly leadMs?: number;
  /** How long past its expected playout a checkpoint waits for `playedStream`, ms (default 5000; see PlayerOptions.ackMarginMs). */
  readonly checkpointAckMarginMs?: number;
  /** Outbound send-buffer bound, bytes (default 256 KiB). */
  readonly maxBufferedBytes?: number;
  /** Keepalive settings, or false to disable. */
  readonly keepalive?: KeepaliveOptions | false;
  /** Media frames accepted before `start` (default 50 = 1 s); more closes the stream. */
  readonly maxPrestartFrames?: number;
  /**
   * How long the peer has to send `start` after the handshake, ms (default 10 s; Plivo sends it
   * at once). A connection that never starts would otherwise hold a stream slot for good.
   */
  readonly startTimeoutMs?: number;
  /**
   * Inbound messages allowed per second, sustained, and how many over that may arrive at once
   * (frames a network stall held back). A stream above it is closed with 1008. Default 1000/s
   * with a burst of 2000 (Plivo sends 50 media frames a second; the emulator at `speed` 20
   * sends 1000); false turns it off.
   */
  readonly inboundRate?: { readonly perSecond: number; readonly burst: number } | false;
  /** Inbound audio limits, in audio time (see {@link InboundAudioLimit}); false turns them off. */
  readonly inboundAudio?: Partial<InboundAudioLimits> | false;
  /** Events held while the application attaches handlers (default 3000 = 60 s of audio). */
  readonly maxBacklogEvents?: number;
  /** Frames each `audio()` iterator may fall behind before the oldest are dropped (default 500). */
  readonly audioQueueFrames?: number;
  /** Answer-request parameters carried to the stream (see the server's call context). */
  readonly callParams?: Readonly<Record<string, string>>;
  /** The only stream id `start` may carry (a browser phone token is bound to one); another closes the stream with 1008. */
  readonly expectedStreamId?: string;
  /** REST client for hangup() and transfer(). */
  readonly rest?: PlivoRestClient;
  /** The URL Plivo should fetch to transfer the call to `to` (the server serves it). */
  readonly transferUrl?: (to: string) => string;
}

/**
 * Refuse an `inboundSampleRate` the decoder could not resample to, when it is set, not
 * when the first call starts.
 * @throws {ConfigError} `CONFIG_INVALID` naming `setting` and the accepted rates
 */
export function checkInboundSampleRate(rate: unknown, setting = 'inboundSampleRate'): void {
  if (rate === undefined || isSampleRate(rate)) return;
  throw new ConfigError(
    'CONFIG_INVALID',
    `${setting} must be a whole number of Hz from ${RATE_RANGE.min} to ${RATE_RANGE.max}, e.g. ${SUPPORTED_RATES.join(', ')} (got ${typeof rate === 'number' ? rate : typeof rate})`,
  );
}

/** Observes outbound audio (recordings): each frame with its expected playout time, and clears. */
export interface OutboundTap {
  frame(wire: Uint8Array, playAt: number): void;
  clear(at: number): void;
}

/** The lifecycle state of a stream. */
export type CallStreamState = 'connecting' | 'started' | 'ended';

type Backlogged = { [K in keyof CallStreamEvents]: { event: K; payload: CallStreamEvents[K] } }[keyof CallStreamEvents];

let localIds = 0;

export class CallStream {
  readonly id: string;
  /** Set to observe outbound frames (the server's recorder uses it). */
  outboundTap: OutboundTap | undefined;
  readonly counters: StreamCounters = newCounters();
  readonly clock: Clock;
  /** Resolves when the stream ends, with how it ended. */
  readonly ended: Promise<EndInfo>;
  readonly #ws: WebSocket;
  readonly #o: CallStreamOptions;
  readonly #events: TypedEmitter<CallStreamEvents>;
  readonly #pacer: Pacer;
  #log: Logger;
  #state: CallStreamState = 'connecting';
  #info: StreamInfo | undefined;
  #player: Player | undefined;
  #decoder: WireDecoder | undefined;
  /** The outbound track's own decoder: a resampler carries state from frame to frame. */
  #outDecoder: WireDecoder | undefined;
  #keepalive: Keepalive | undefined;
  #prestart: MediaMessage[] = [];
  #backlog: Backlogged[] | undefined = [];
  #queues = new Set<BoundedQueue<InboundAudioFrame>>();
  readonly #tracks = new TrackSequencer();
  #closing: { by: EndedBy; reason: string; error?: CallwireError } | undefined;
  readonly #warned = new LogSampler(64);
  readonly #rate: { readonly perSecond: number; readonly burst: number } | false;
  readonly #messages: TokenBucket | undefined;
  readonly #audioLimit: InboundAudioLimit | undefined;
  readonly #outboundAudioLimit: InboundAudioLimit | undefined;
  #startTimer: ReturnType<Clock['setTimer']> | undefined;
  #resolveEnded!: (e: EndInfo) => void;
  #startWaiters: { resolve: (i: StreamInfo) => void; reject: (e: Error) => void }[] = [];

  /** @throws {ConfigError} `CONFIG_INVALID` for an `inboundSampleRate` it cannot resample to */
  constructor(ws: WebSocket, options: CallStreamOptions = {}) {
    checkInboundSampleRate(options.inboundSampleRate);
    this.#ws = ws;
    this.#o = options;
    this.id = options.id ?? `cs-${++localIds}`;
    this.clock = options.clock ?? defaultClock;
    this.#pacer = options.pacer ?? sharedPacer;
    this.#log = (options.logger ?? silentLogger).child({ conn: this.id });
    this.#rate = options.inboundRate ?? { perSecond: 1000, burst: 2000 };
    this.#messages = this.#rate === false ? undefined : new TokenBucket(this.#rate.burst, this.#rate.perSecond, this.clock.now());
    this.#audioLimit = options.inboundAudio === false ? undefined : new InboundAudioLimit(options.inboundAudio ?? {}, this.clock.now());
    this.#outboundAudioLimit = options.inboundAudio === false ? undefined : new InboundAudioLimit(options.inboundAudio ?? {}, this.clock.now());
    this.#events = new TypedEmitter((error, event) => {
      this.#warn(new StreamError('STREAM_LISTENER_FAILED', `a "${String(event)}" listener threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
    });
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
    ws.on('message', this.#onMessage);
    ws.on('close', this.#onClose);
    ws.on('error', this.#onSocketError);
    ws.on('pong', () => this.#keepalive?.pong());
    if (options.keepalive !== false) {
      this.#keepalive = new Keepalive(this.clock, options.keepalive ?? {}, () => this.#ws.ping(), (silentMs) => {
        this.#end({ by: 'keepalive', reason: `no pong for ${Math.round(silentMs)} ms`, error: new StreamError('STREAM_KEEPALIVE_TIMEOUT', `peer did not answer a ping within ${Math.round(silentMs)} ms`) }, CLOSE.KEEPALIVE_TIMEOUT, true);
      }, (waitedMs) => {
        // A late pong is a slow connection, which Plivo rides out (keepalive.ts): report it, go on.
        this.counters.latePongs++;
        this.#log.warn({ waitedMs: Math.round(waitedMs) }, 'pong late: the connection is slow');
        this.#emit({ event: 'degraded', payload: { reason: `no pong ${Math.round(waitedMs)} ms after a ping (slow connection)`, bufferedBytes: this.#ws.bufferedAmount, at: this.clock.now() } });
      });
      this.#keepalive.start();
    }
    const startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.#startTimer = this.clock.setTimer(() => {
      this.#startTimer = undefined;
      if (this.#state !== 'connecting') return;
      const error = new StreamError('STREAM_NOT_STARTED', `no start message within ${startTimeoutMs} ms of the handshake`);
      this.#end({ by: 'protocol', reason: `no start within ${startTimeoutMs} ms`, error }, CLOSE.POLICY, false);
    }, startTimeoutMs);
  }

  /** connecting -> started -> ended. */
  get state(): CallStreamState {
    return this.#state;
  }

  /** The call, once `start` arrived. */
  get info(): StreamInfo | undefined {
    return this.#info;
  }

  /** The stream's logger (bound to stream and call id after start). */
  get logger(): Logger {
    return this.#log;
  }

  /**
   * The outbound Player.
   * @throws StreamError STREAM_NOT_STARTED before `start` (the format and stream id are not known yet)
   */
  get player(): Player {
    if (this.#player === undefined) throw new StreamError('STREAM_NOT_STARTED', 'the Player exists once start has arrived: await call.started() first');
    return this.#player;
  }

  /** Resolves with the stream info once `start` arrived (immediately if it already has). */
  started(): Promise<StreamInfo> {
    if (this.#info !== undefined) return Promise.resolve(this.#info);
    if (this.#state === 'ended') return Promise.reject(new StreamError('STREAM_ENDED', 'the stream ended before start'));
    return new Promise((resolve, reject) => this.#startWaiters.push({ resolve, reject }));
  }

  /** Listen for an event. Returns an unsubscribe function. */
  on<K extends keyof CallStreamEvents>(event: K, listener: (payload: CallStreamEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  once<K extends keyof CallStreamEvents>(event: K, listener: (payload: CallStreamEvents[K]) => void): () => void {
    return this.#events.once(event, listener);
  }

  off<K extends keyof CallStreamEvents>(event: K, listener: (payload: CallStreamEvents[K]) => void): void {
    this.#events.off(event, listener);
  }

  /** Inbound audio as an async iterator; ends when the stream ends. Bounded: a slow reader loses the oldest frames. */
  audio(): AsyncIterableIterator<InboundAudioFrame> {
    const q = new BoundedQueue<InboundAudioFrame>({ capacity: this.#o.audioQueueFrames ?? 500, overflow: 'drop-oldest' });
    if (this.#state === 'ended') q.end();
    else this.#queues.add(q);
    return q;
  }

  /**
   * Start delivering events. Everything that arrived before (start, audio, dtmf, ...) is
   * delivered first, in order. The server calls this after the application's stream
   * handler returned (or its promise resolved).
   */
  resume(): void {
    const backlog = this.#backlog;
    if (backlog === undefined) return;
    this.#backlog = undefined;
    for (const b of backlog) this.#deliver(b);
  }

  /** Play DTMF tones into the call (`sendDTMF`). */
  sendDtmf(digits: string): void {
    this.#send(serializeOutbound(sendDtmfMessage(digits)));
  }

  /**
   * Hang up the call through Plivo's REST API. Closing the socket only ends the stream: with
   * keepCallAlive="true" Plivo then runs the verbs after `<Stream>` ("Subsequent XML elements
   * execute only after the stream disconnects", https://docs.plivo.com/docs/voice/xml/audiostream)
   * and the call ends only if there are none. The socket is closed too if Plivo has not closed
   * it within 3 s.
   * @throws RestError REST_MISSING_CREDENTIALS when no Auth ID/Token is configured
   */
  async hangup(): Promise<void> {
    const callId = this.#info?.callId;
    if (this.#o.rest === undefined || !this.#o.rest.configured) {
      throw new RestError('REST_MISSING_CREDENTIALS', 'hangup() needs PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN to call Plivo\'s REST API');
    }
    if (callId === undefined) throw new StreamError('STREAM_NOT_STARTED', 'hangup() needs the call id from start');
    await this.#o.rest.hangup(callId);
    this.clock.setTimer(() => this.close('hung up by the agent', 'agent'), 3000);
  }

  /**
   * Transfer the call to a phone number (E.164) or SIP URI: Plivo's REST API redirects the
   * call to XML that dials it.
   * @throws RestError REST_MISSING_CREDENTIALS when no Auth ID/Token is configured
   */
  async transfer(to: string): Promise<void> {
    const callId = this.#info?.callId;
    if (this.#o.rest === undefined || !this.#o.rest.configured || this.#o.transferUrl === undefined) {
      throw new RestError('REST_MISSING_CREDENTIALS', 'transfer() needs PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN to call Plivo\'s REST API');
    }
    if (callId === undefined) throw new StreamError('STREAM_NOT_STARTED', 'transfer() needs the call id from start');
    await this.#o.rest.transfer(callId, { alegUrl: this.#o.transferUrl(to), alegMethod: 'POST' });
  }

  /**
   * Close the stream's socket: Plivo moves on to the verbs after `<Stream>`, and ends the call
   * when none follow (see hangup()). `error`,
   * when the stream ends because something failed, is reported in the end info (`ended`).
   */
  close(reason = 'closed by the application', by: EndedBy = 'agent', code: number = CLOSE.NORMAL, error?: CallwireError): void {
    this.#end({ by, reason, ...(error === undefined ? {} : { error }) }, code, false);
  }

  // ------------------------------------------------------------------ inbound

  readonly #onMessage = (data: RawData, isBinary: boolean): void => {
    // Once closing, what is still in flight is not the call any more.
    if (this.#state === 'ended' || this.#closing !== undefined) return;
    if (!this.#admit()) return;
    if (isBinary) {
      this.counters.badFrames++;
      this.#warn(new ProtocolError('PROTOCOL_BINARY_FRAME', 'binary frame received; Plivo sends JSON text frames'));
      return;
    }
    let msg: InboundMessage;
    try {
      msg = parseInbound(Array.isArray(data) ? Buffer.concat(data) : (data as Buffer));
    } catch (e) {
      this.counters.badFrames++;
      this.#warn(isCallwireError(e) ? e : new ProtocolError('PROTOCOL_INVALID_JSON', 'unparseable frame', { cause: e }));
      return;
    }
    try {
      this.#dispatch(msg);
    } catch (e) {
      this.counters.badFrames++;
      this.#warn(isCallwireError(e) ? e : new StreamError('STREAM_LISTENER_FAILED', `frame handling failed: ${(e as Error).message}`, { cause: e }));
    }
  };

  /**
   * Token bucket on inbound messages: one flooding peer must not take the CPU (or the STT
   * bill: its audio would go to the provider at fifty times real time) from the other calls.
   */
  #admit(): boolean {
    const rate = this.#rate;
    if (rate === false || this.#messages === undefined || this.#messages.take(this.clock.now())) return true;
    const error = new StreamError('STREAM_RATE_LIMITED', `more than ${rate.perSecond} messages a second (burst ${rate.burst}); Plivo sends 50 media frames a second`);
    this.#end({ by: 'protocol', reason: 'inbound message rate over the limit', error }, CLOSE.POLICY, false);
    return false;
  }

  #dispatch(msg: InboundMessage): void {
    const now = this.clock.now();
    switch (msg.event) {
      case 'start':
        this.#onStart(msg);
        return;
      case 'media':
        if (this.#state !== 'started') {
          this.#prestart.push(msg);
          if (this.#prestart.length > (this.#o.maxPrestartFrames ?? 50)) {
            const error = new StreamError('STREAM_PRESTART_OVERFLOW', `${this.#prestart.length} media frames arrived before start; Plivo sends start first`);
            this.#end({ by: 'protocol', reason: 'media before start', error }, CLOSE.POLICY, false);
          }
          return;
        }
        this.#onMedia(msg, now);
        return;
      case 'dtmf':
        this.counters.dtmf++;
        this.#emit({ event: 'dtmf', payload: { digit: msg.dtmf.digit, at: now } });
        return;
      case 'playedStream':
        if (this.#player?.ack(msg.name, now) === false) this.#log.debug({ name: msg.name }, 'playedStream for a checkpoint that was already settled');
        this.#emit({ event: 'played', payload: { name: msg.name, at: now } });
        return;
      case 'clearedAudio':
        this.#emit({ event: 'cleared', payload: { at: now } });
        return;
      case 'stop':
        this.#end({ by: 'caller', reason: 'stop event' }, CLOSE.NORMAL, false);
        return;
      case 'unknown':
        this.#warn(new ProtocolError('PROTOCOL_UNKNOWN_EVENT', `unknown event "${msg.name}" ignored`, { details: { event: msg.name } }));
        return;
      default: {
        const never: never = msg;
        throw new ProtocolError('PROTOCOL_UNKNOWN_EVENT', `unhandled event ${String((never as { event: string }).event)}`);
      }
    }
  }

  #onStart(msg: Extract<InboundMessage, { event: 'start' }>): void {
    if (this.#state !== 'connecting') {
      this.counters.badFrames++;
      this.#warn(new StreamError('STREAM_ALREADY_STARTED', 'a second start message was ignored'));
      return;
    }
    const granted = this.#o.expectedStreamId;
    if (granted !== undefined && msg.start.streamId !== granted) {
      const error = new StreamError('STREAM_ID_NOT_GRANTED', 'start carries a stream id other than the one this session was granted');
      this.#end({ by: 'protocol', reason: 'stream id not granted', error }, CLOSE.POLICY, false);
      return;
    }
    const { mediaFormat } = msg.start;
    const format = formatFromWire(mediaFormat.encoding, mediaFormat.sampleRate);
    if (format === undefined) {
      const error = new StreamError('STREAM_UNSUPPORTED_FORMAT', `start announced ${mediaFormat.encoding} at ${mediaFormat.sampleRate} Hz, which Plivo streams do not use`);
      this.#end({ by: 'protocol', reason: 'unsupported media format', error }, CLOSE.POLICY, false);
      return;
    }
    // Built before anything records the start: should it throw, the stream is not left
    // 'started' without a decoder (every later frame would fail).
    const decoder = new WireDecoder(format, this.#o.inboundSampleRate ?? format.sampleRate);
    this.#info = {
      streamId: msg.start.streamId,
      callId: msg.start.callId,
      accountId: msg.start.accountId,
      tracks: msg.start.tracks,
      format,
      extraHeaders: msg.extraHeaders,
      callParams: this.#o.callParams ?? {},
      startedAt: Date.now(),
    };
    this.#log = this.#log.child({ streamId: msg.start.streamId, callId: msg.start.callId });
    this.#state = 'started';
    this.#clearStartTimer();
    this.#decoder = decoder;
    this.#player = new Player({
      format,
      streamId: msg.start.streamId,
      send: (text) => this.#send(text),
      bufferedAmount: () => this.#ws.bufferedAmount,
      clock: this.clock,
      pacer: this.#pacer,
      counters: this.counters,
      leadMs: this.#o.leadMs,
      maxBufferedBytes: this.#o.maxBufferedBytes,
      onFrame: (wire, playAt) => this.outboundTap?.frame(wire, playAt),
      onClear: (at) => this.outboundTap?.clear(at),
      ackMarginMs: this.#o.checkpointAckMarginMs,
      onAckTimeout: (name, lateMs) => this.#warn(new StreamError('STREAM_CHECKPOINT_UNACKED', `no playedStream for checkpoint "${name.slice(0, 40)}" ${Math.round(lateMs)} ms after its audio should have played; settled without it`)),
      onDegraded: (reason, bufferedBytes) => {
        // Sampled like the coded warnings: a peer that reads slowly on and off starts an episode each time.
        const n = this.#warned.hit('STREAM_BACKPRESSURE');
        if (n !== undefined) this.#log.warn({ code: 'STREAM_BACKPRESSURE', bufferedBytes, count: n }, `outbound audio backing up: ${reason}`);
        this.#emit({ event: 'degraded', payload: { reason, bufferedBytes, at: this.clock.now() } });
      },
    });
    this.#log.info({ format: format.name, tracks: msg.start.tracks }, 'stream started');
    this.#emit({ event: 'start', payload: this.#info });
    // After 'start': logged with the stream id and stored with the stream's record (before it,
    // neither existed, and the warning never reached `callwire logs` or the dashboard).
    const expected = this.#o.expectedFormat;
    if (expected !== undefined && expected.name !== format.name) {
      this.#warn(new StreamError('STREAM_FORMAT_MISMATCH', `the answer XML declared ${expected.contentType} but start says ${format.contentType}; using what Plivo streams`));
    }
    for (const w of this.#startWaiters) w.resolve(this.#info);
    this.#startWaiters = [];
    const early = this.#prestart;
    this.#prestart = [];
    const now = this.clock.now();
    for (const m of early) this.#onMedia(m, now);
  }

  #onMedia(msg: MediaMessage, now: number): void {
    const info = this.#info as StreamInfo;
    if (msg.streamId !== '' && msg.streamId !== info.streamId) {
      this.counters.badFrames++;
      this.#warn(new StreamError('STREAM_WRONG_STREAM_ID', 'a media frame for another stream id was dropped'));
      return;
    }
    const track = mediaTrack(msg.media.track);
    if (track === undefined) {
      this.counters.badFrames++;
      this.#warn(new ProtocolError('PROTOCOL_INVALID_FIELD', `media.track "${msg.media.track.slice(0, 20)}" is not inbound or outbound; frame dropped`));
      return;
    }
    const chunk = msg.media.chunk;
    const wire = msg.audio;
    // Each track is a real-time stream of its own (audioTrack="both" sends two seconds of audio a second).
    const limit = track === 'inbound' ? this.#audioLimit : this.#outboundAudioLimit;
    const breach = limit?.admit(wire.length, info.format, now);
    if (breach !== undefined) {
      this.#end({ by: 'protocol', reason: breach.reason, error: breach.error }, CLOSE.POLICY, false);
      return;
    }
    const durationMs = (wire.length / (info.format.bytesPerSample * info.format.sampleRate)) * 1000;
    // Chunks are numbered per track (see track-sequence.ts).
    const verdict = this.#tracks.next(track, chunk, durationMs);
    if (verdict.kind === 'late') {
      this.counters.lateFrames++;
      return;
    }
    this.counters.gaps += verdict.gap;
    if (track === 'inbound') {
      this.counters.framesIn++;
      this.counters.bytesIn += wire.length;
    } else this.counters.outboundFramesIn++;
    if (track === 'outbound' && this.#outDecoder === undefined) this.#outDecoder = new WireDecoder(info.format, this.#o.inboundSampleRate ?? info.format.sampleRate);
    const decoder = (track === 'inbound' ? this.#decoder : this.#outDecoder) as WireDecoder;
    const pcm = decoder.decode(wire);
    const frame: InboundAudioFrame = {
      track,
      pcm,
      sampleRate: decoder.outputRate,
      wire,
      sequenceNumber: msg.sequenceNumber,
      chunk,
      timestamp: msg.media.timestamp,
      receivedAt: now,
      audioMs: verdict.audioMs,
      durationMs,
    };
    // Only the caller's track is what the agent hears; the outbound track is its own stream.
    this.#emit({ event: track === 'inbound' ? 'audio' : 'outboundAudio', payload: frame });
  }

  // ------------------------------------------------------------------ delivery

  #emit(b: Backlogged): void {
    if (this.#backlog !== undefined) {
      this.#backlog.push(b);
      if (this.#backlog.length > (this.#o.maxBacklogEvents ?? 3000)) {
        this.#backlog = undefined;
        const error = new StreamError('STREAM_BACKLOG_OVERFLOW', 'the stream handler did not attach within the backlog bound; check that onStream resolves');
        this.#end({ by: 'server', reason: 'handler never resumed the stream', error }, CLOSE.INTERNAL, false);
      }
      return;
    }
    this.#deliver(b);
  }

  #deliver(b: Backlogged): void {
    if (b.event === 'audio') {
      for (const q of this.#queues) {
        if (!q.push(b.payload) && q.dropped === 1) {
          this.#warn(new StreamError('STREAM_AUDIO_DROPPED', 'an audio() reader fell behind; oldest frames are being dropped'));
        }
      }
    }
    this.#events.emit(b.event, b.payload as never);
    if (b.event === 'end') {
      for (const q of this.#queues) q.end();
      this.#queues.clear();
      this.#events.removeAll();
    }
  }

  #warn(error: CallwireError): void {
    // Log the 1st, 10th, 100th, ... occurrence of each code: a flood cannot flood the log.
    const n = this.#warned.hit(error.code);
    if (n !== undefined) this.#log.warn({ code: error.code, count: n }, error.message);
    const payload = { error, at: this.clock.now() };
    if (this.#backlog !== undefined) this.#backlog.push({ event: 'warning', payload });
    else this.#events.emit('warning', payload);
  }

  #send(text: string): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(text);
  }

  // ------------------------------------------------------------------ ending

  readonly #onSocketError = (error: Error): void => {
    // ws reports a message over maxPayload as an error and closes with 1009 itself: the peer
    // broke a limit, which is a protocol violation, not a network failure.
    const tooLarge = (error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
    const coded = tooLarge
      ? new ProtocolError('PROTOCOL_FRAME_TOO_LARGE', `a message exceeded the size limit: ${error.message}`, { cause: error })
      : new StreamError('STREAM_ENDED', `socket error: ${error.message}`, { cause: error });
    this.#log.warn({ code: coded.code, err: error.message }, tooLarge ? 'message over the size limit; closing (1009)' : 'socket error');
    if (this.#closing === undefined) {
      this.#closing = { by: tooLarge ? 'protocol' : 'socket_error', reason: error.message, error: coded };
    }
  };

  readonly #onClose = (code: number, reasonBuf: Buffer): void => {
    const reason = reasonBuf.toString('utf8');
    const c = this.#closing;
    let end: Omit<EndInfo, 'at'>;
    if (c !== undefined) end = { ...c, closeCode: code };
    else if (code === 1000 || code === 1001 || code === 1005) end = { by: 'caller', reason: reason || 'socket closed by Plivo', closeCode: code };
    else end = { by: 'socket_error', reason: reason || `socket closed abnormally (${code})`, closeCode: code };
    this.#finish(end);
  };

  /** Begin ending: close the socket (terminate when the peer is unresponsive), then finish on 'close'. */
  #end(end: { by: EndedBy; reason: string; error?: CallwireError }, code: number, terminate: boolean): void {
    if (this.#state === 'ended' || this.#closing?.by === end.by) return;
    // The peer's close frame already arrived (we did not start closing): it ended the stream,
    // whatever we were about to do; the 'close' event attributes it.
    if (this.#closing === undefined && this.#ws.readyState === this.#ws.CLOSING) return;
    this.#closing = end;
    this.#log.info({ by: end.by, code: end.error?.code }, `closing stream: ${end.reason}`);
    if (terminate) {
      this.#ws.terminate();
      return;
    }
    try {
      this.#ws.close(code, end.reason.slice(0, 120));
    } catch {
      this.#ws.terminate();
    }
    // A peer that never answers the close frame is cut off after 2 s.
    this.clock.setTimer(() => {
      if (this.#state !== 'ended') this.#ws.terminate();
    }, 2000);
  }

  #clearStartTimer(): void {
    if (this.#startTimer === undefined) return;
    this.clock.clearTimer(this.#startTimer);
    this.#startTimer = undefined;
  }

  #finish(end: Omit<EndInfo, 'at'>): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#clearStartTimer();
    this.#keepalive?.stop();
    this.#player?.destroy();
    this.#decoder?.destroy();
    this.#outDecoder?.destroy();
    const info: EndInfo = { ...end, at: this.clock.now() };
    for (const w of this.#startWaiters) w.reject(new StreamError('STREAM_ENDED', `stream ended before start: ${end.reason}`));
    this.#startWaiters = [];
    this.#log.info({ by: info.by, closeCode: info.closeCode, counters: this.counters }, `stream ended: ${info.reason}`);
    this.#emit({ event: 'end', payload: info });
    this.#resolveEnded(info);
  }
}
