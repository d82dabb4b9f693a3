/**
 * One Plivo audio stream, Plivo's side: connects to the app with a signed upgrade (retrying
 * twice, as Plivo does: https://plivo.com/docs/voice/audio-streaming/best-practices), sends
 * `start` then 20 ms `media` frames, plays the app's `playAudio` out of a 40 s playout queue
 * (playout.ts), holds caller audio the app's socket does not take in Plivo's slow-connection
 * buffer (slow-connection.ts), answers `checkpoint` / `clearAudio`, records `sendDTMF`, and
 * posts status callbacks.
 * Messages the app sends are judged by {@link handleAppMessage} (app-messages.ts).
 */
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../clock.js';
import { CallwireError, type ErrorCode } from '../errors.js';
import { bytesToMs } from '../protocol/format.js';
import type { MediaMessage } from '../protocol/messages.js';
import { clearedAudioMessage, dtmfMessage, playedStreamMessage, serializeInbound, startMessage } from '../protocol/serialize-inbound.js';
import { handleAppMessage } from './app-messages.js';
import type { CallEvent, PlivoErrorName, StreamEndReason } from './events.js';
import { SlowConnectionBuffer } from './slow-connection.js';
import { Impairer, type Impairments } from './impairments.js';
import type { LegConfig } from './leg-config.js';
import type { CallMetrics } from './metrics.js';
import { PlayoutBuffer } from './playout.js';
import { signatureHeaders } from './signed-request.js';
import { StatusNotifier } from './status-notifier.js';

/** What a leg needs from its call. */
export interface LegHost {
  readonly callUuid: string;
  readonly accountId: string;
  readonly authToken: string | undefined;
  readonly clock: Clock;
  readonly speed: number;
  readonly metrics: CallMetrics;
  /** Call-relative ms now. */
  t(): number;
  /** Unix epoch ms now (media timestamps, callbacks). */
  epochNow(): number;
  emit(event: CallEvent): void;
  legEnded(leg: StreamLeg, reason: StreamEndReason): void;
}

/** Per-leg options. */
export interface LegOptions {
  /** Sign the upgrade over the URL as written (default) or its https:// form. */
  readonly signUpgradeAs: 'as-written' | 'https';
  readonly impairments: Impairments | undefined;
  readonly connectRetries: number;
  readonly connectTimeoutMs: number;
  /** Largest app message accepted (bytes). */
  readonly maxMessageBytes: number;
  /** Seconds of audio the playout buffer holds (Plivo: 40). */
  readonly bufferSeconds: number;
  /** Socket send backlog that counts as a dead-slow connection (bytes). */
  readonly maxSendBacklog: number;
}

/** Counters for the report. */
export interface LegSummary {
  readonly streamId: string;
  readonly url: string;
  readonly format: string;
  readonly startedAt: number | undefined;
  readonly endedAt: number | undefined;
  readonly endReason: StreamEndReason | undefined;
  readonly closeCode: number | undefined;
  readonly framesSent: number;
  readonly framesLost: number;
  readonly messagesReceived: number;
  readonly playAudioMessages: number;
  readonly audioReceivedMs: number;
  readonly checkpointsAnswered: number;
}

const EMPTY_AUDIO = new Uint8Array(0);
const EMPTY_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The https:// (or http://) form of a ws(s):// URL. */
export function httpFormOf(url: string): string {
  return url.replace(/^ws(s?):\/\//i, (_m, s: string) => `http${s}://`);
}

/** Messages that arrived between the handshake and the leg attaching its handler. */
interface EarlyMessages {
  readonly messages: [Buffer, boolean][];
  readonly listener: (data: Buffer, isBinary: boolean) => void;
}

interface PendingFrame {
  readonly at: number;
  readonly chunk: number;
  readonly timestamp: number;
  readonly payload: string;
  readonly track: string;
}

/** One stream between the emulated Plivo and the app. */
export class StreamLeg {
  readonly config: LegConfig;
  readonly playout: PlayoutBuffer;
  readonly #host: LegHost;
  readonly #opts: LegOptions;
  readonly #notifier: StatusNotifier;
  readonly #impairer: Impairer | undefined;
  #ws: WebSocket | undefined;
  #state: 'idle' | 'connecting' | 'open' | 'ended' = 'idle';
  #seq = 0;
  #chunk = 0;
  #outChunk = 0;
  #startedAt: number | undefined;
  #endedAt: number | undefined;
  #endReason: StreamEndReason | undefined;
  #closeCode: number | undefined;
  #droppedByPeer = false;
  #firstPacketSent = false;
  #framesSent = 0;
  #framesLost = 0;
  #received = 0;
  #playAudios = 0;
  #receivedBytes = 0;
  #answered = 0;
  readonly #checkpointTimes: number[] = [];
  readonly #reached: string[] = [];
  readonly #pending: PendingFrame[] = [];
  readonly #slow: SlowConnectionBuffer;
  #lastMediaBytes = 0;
  #pendingTimer: TimerHandle | undefined;
  #timeoutTimer: TimerHandle | undefined;
  readonly #warned = new Set<string>();

  constructor(config: LegConfig, host: LegHost, options: LegOptions) {
    this.config = config;
    this.#host = host;
    this.#opts = options;
    this.playout = new PlayoutBuffer(options.bufferSeconds * config.format.sampleRate * config.format.bytesPerSample);
    this.#impairer = options.impairments === undefined ? undefined : new Impairer(options.impairments, host.clock.now());
    this.#slow = new SlowConnectionBuffer(options.bufferSeconds * 1000);
    this.#notifier = new StatusNotifier({
      target: config.statusCallback,
      streamId: config.streamId,
      callUuid: host.callUuid,
      attributes: config.attributes,
      authToken: host.authToken,
      epochNow: () => host.epochNow(),
      onResult: (r) => host.emit({ type: 'status_callback', t: host.t(), streamId: config.streamId, ...r }),
    });
  }

  /** The stream id sent in `start`. */
  get streamId(): string {
    return this.config.streamId;
  }

  /** True while the socket is open and the stream has not ended. */
  get open(): boolean {
    return this.#state === 'open';
  }

  /** True once the stream has ended, whatever the reason. */
  get ended(): boolean {
    return this.#state === 'ended';
  }

  /** True when the app's side closed the socket abnormally mid-stream (not Plivo ending it). */
  get droppedByPeer(): boolean {
    return this.#droppedByPeer;
  }

  /** Whether the caller's audio goes to this stream. */
  get sendsInbound(): boolean {
    return this.config.audioTrack !== 'outbound';
  }

  /** Whether what the caller hears goes to this stream (audioTrack outbound/both). */
  get sendsOutbound(): boolean {
    return this.config.audioTrack !== 'inbound';
  }

  /** Status callbacks still in flight. */
  settled(): Promise<void> {
    return this.#notifier.settled();
  }

  /**
   * Connect (with retries) and send `start`. Rejects with EMULATOR_CONNECTION_FAILED or
   * EMULATOR_AUTHENTICATION_FAILED after the last attempt; the leg has then ended.
   * @param attempts how many tries (default 1 + connectRetries; a reconnect gets the retries only)
   */
  async connect(attempts = 1 + this.#opts.connectRetries): Promise<void> {
    this.#state = 'connecting';
    let lastStatus: number | undefined;
    let lastReason = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.#state !== 'connecting') return;
      const started = this.#host.t();
      this.#host.emit({ type: 'connecting', t: started, streamId: this.streamId, url: this.config.url, attempt });
      try {
        const { ws, early } = await this.#openSocket();
        if (this.#state !== 'connecting') {
          ws.terminate();
          return;
        }
        this.#host.emit({ type: 'connected', t: this.#host.t(), streamId: this.streamId, ms: this.#host.t() - started });
        this.#attach(ws, early);
        return;
      } catch (e) {
        const err = e as Error & { status?: number };
        lastStatus = err.status;
        lastReason = err.message;
        this.#host.emit({ type: 'connect_failed', t: this.#host.t(), streamId: this.streamId, attempt, status: err.status, reason: err.message });
        if (attempt < attempts) await this.#sleep(500 * attempt);
      }
    }
    const auth = lastStatus === 401 || lastStatus === 403;
    const plivoError: PlivoErrorName = auth ? 'authentication_failed' : 'connection_failed';
    const code: ErrorCode = auth ? 'EMULATOR_AUTHENTICATION_FAILED' : 'EMULATOR_CONNECTION_FAILED';
    const message = auth
      ? `the app refused the ${this.#host.authToken === undefined ? 'WebSocket upgrade (unsigned: no auth token given; pass --auth-token or set PLIVO_AUTH_TOKEN)' : 'signed WebSocket upgrade'} with HTTP ${lastStatus}`
      : `could not open the WebSocket after ${attempts} attempts: ${lastReason}`;
    this.protocolError(code, message, plivoError);
    this.#end('connect_failed', { status: 'DroppedStream', error: plivoError });
    throw new CallwireError(code, message, { details: { status: lastStatus } });
  }

  #sleep(ms: number): Promise<void> {
    // Awaited between connect attempts, with no socket open: it must keep the process alive.
    return new Promise((resolve) => this.#host.clock.setTimer(resolve, ms, { keepAlive: true }));
  }

  #openSocket(): Promise<{ ws: WebSocket; early: EarlyMessages }> {
    const { url } = this.config;
    const headers: Record<string, string> = { 'User-Agent': 'PlivoStream/callwire-emulator' };
    if (this.#host.authToken !== undefined) {
      const signed = this.#opts.signUpgradeAs === 'https' ? httpFormOf(url) : url;
      Object.assign(headers, signatureHeaders('GET', signed, {}, this.#host.authToken));
    }
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers,
        maxPayload: this.#opts.maxMessageBytes,
        perMessageDeflate: false,
        handshakeTimeout: this.#opts.connectTimeoutMs,
      });
      ws.once('open', () => {
        ws.removeAllListeners('error');
        // ws may deliver a message in the same tick as 'open' (the app writes right after the
        // handshake), before the awaiting code attaches: keep them until then.
        const early: EarlyMessages = { messages: [], listener: (data: Buffer, isBinary: boolean) => void early.messages.push([data, isBinary]) };
        ws.on('message', early.listener);
        resolve({ ws, early });
      });
      ws.once('unexpected-response', (req, res) => {
        const err = Object.assign(new Error(`upgrade refused with HTTP ${res.statusCode}`), { status: res.statusCode });
        res.resume();
        req.destroy();
        reject(err);
      });
      ws.once('error', (e) => reject(e));
    });
  }

  #attach(ws: WebSocket, early: EarlyMessages): void {
    this.#ws = ws;
    this.#state = 'open';
    this.#startedAt = this.#host.t();
    const tracks = this.config.audioTrack === 'both' ? ['inbound', 'outbound'] : [this.config.audioTrack];
    this.#send(
      serializeInbound(
        startMessage({
          sequenceNumber: ++this.#seq,
          callId: this.#host.callUuid,
          streamId: this.streamId,
          accountId: this.#host.accountId,
          tracks,
          format: this.config.format,
          extraHeaders: this.config.extraHeaders,
        }),
      ),
    );
    this.#host.emit({ type: 'start_sent', t: this.#host.t(), streamId: this.streamId, format: this.config.format.name, tracks });
    const onMessage = (data: Buffer, isBinary: boolean): void => {
      this.#received++;
      if (this.#state === 'open') handleAppMessage(this, data, isBinary);
    };
    ws.off('message', early.listener);
    ws.on('message', onMessage);
    for (const [data, isBinary] of early.messages) onMessage(data, isBinary);
    ws.on('close', (code: number) => this.#onClose(code));
    ws.on('error', () => {
      // 'close' follows with the code; nothing else to do here.
    });
    this.#timeoutTimer = this.#host.clock.setTimer(() => this.stop('stream_timeout'), (this.config.streamTimeoutS * 1000) / this.#host.speed);
  }

  #onClose(code: number): void {
    this.#closeCode = code;
    if (this.#state === 'ended') return;
    // 1000/1001: the app ended the stream on purpose. Anything else (1006 = no close frame,
    // 1011 = server error, ...) is a drop.
    if (code === 1000 || code === 1001) this.#end('app_closed', { status: 'StopStream' });
    else {
      this.#droppedByPeer = true;
      this.protocolError('EMULATOR_STREAM_DROPPED', `the app's WebSocket closed abnormally (code ${code})`);
      this.#end('dropped', { status: 'DroppedStream', error: `connection_closed_${code}` });
    }
  }

  #send(text: string): void {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.#opts.maxSendBacklog) {
      // Plivo drops a stream "terminated due to a slow connection" (best-practices page).
      this.protocolError('EMULATOR_STREAM_DROPPED', `the app stopped reading: ${ws.bufferedAmount} bytes are waiting to be sent`);
      this.#end('dropped', { status: 'DroppedStream', error: 'slow_connection', closeCode: 1011 });
      return;
    }
    ws.send(text);
  }

  /** Send one caller frame captured at `tickTime` (clock ms), through the impairments. */
  sendMedia(payload: string, tickTime: number, track: 'inbound' | 'outbound' = 'inbound'): void {
    if (this.#state !== 'open') return;
    const chunk = track === 'inbound' ? ++this.#chunk : ++this.#outChunk;
    const timestamp = this.#host.epochNow();
    const release = this.#impairer?.active ? this.#impairer.schedule(tickTime) : tickTime;
    if (release === undefined) {
      this.#framesLost++;
      return;
    }
    if (release > tickTime || this.#pending.length > 0) {
      this.#pending.push({ at: release, chunk, timestamp, payload, track });
      this.#schedulePending();
      this.#checkSlowConnection();
      return;
    }
    this.#sendFrame(chunk, timestamp, payload, track);
    if (track === 'inbound' || !this.sendsInbound) this.#checkSlowConnection();
  }

  /**
   * Plivo's slow-connection buffer (slow-connection.ts): the caller audio held back, both as
   * frames waiting to leave and as bytes the app's socket has not taken (in frames of the size
   * last sent). DegradedStream at 30/60/90 %, DroppedStream when it is full.
   */
  #checkSlowConnection(): void {
    if (this.#state !== 'open') return;
    // Audio ms, not clock ms (the call may run faster than real time): 20 ms a held frame.
    const track = this.sendsInbound ? 'inbound' : 'outbound';
    let waiting = 0;
    for (const f of this.#pending) if (f.track === track) waiting++;
    const waitingMs = waiting * 20;
    const buffered = this.#ws?.bufferedAmount ?? 0;
    const socketMs = this.#lastMediaBytes > 0 ? (buffered / this.#lastMediaBytes) * 20 : 0;
    const heldMs = waitingMs + socketMs;
    const u = this.#slow.update(heldMs);
    for (const percent of u.crossed) {
      this.#host.emit({ type: 'slow_connection', t: this.#host.t(), streamId: this.streamId, percent, heldMs: Math.round(heldMs) });
      this.#notifier.post('DegradedStream', { BufferPercent: String(percent) });
    }
    if (u.full) {
      this.protocolError('EMULATOR_STREAM_DROPPED', `the app's WebSocket read too slowly: Plivo's ${this.#slow.capacityMs / 1000} s buffer of caller audio filled (slow connection)`);
      this.#end('dropped', { status: 'DroppedStream', error: 'slow_connection', closeCode: 1011 });
    }
  }

  #sendFrame(chunk: number, timestamp: number, payload: string, track: string): void {
    const msg: MediaMessage = {
      event: 'media',
      sequenceNumber: ++this.#seq,
      streamId: this.streamId,
      media: { track, timestamp: String(timestamp), chunk, payload },
      audio: EMPTY_AUDIO,
      extra_headers: this.config.extraHeaders,
      extraHeaders: EMPTY_HEADERS,
    };
    const text = serializeInbound(msg);
    this.#lastMediaBytes = text.length;
    this.#send(text);
    this.#framesSent++;
    if (!this.#firstPacketSent) {
      this.#firstPacketSent = true;
      // "StartStream: sent when audio begins streaming post connection establishment."
      this.#notifier.post('StartStream');
    }
  }

  #schedulePending(): void {
    if (this.#pendingTimer !== undefined) return;
    const head = this.#pending[0];
    if (head === undefined) return;
    this.#pendingTimer = this.#host.clock.setTimer(() => {
      this.#pendingTimer = undefined;
      const now = this.#host.clock.now();
      while (this.#pending.length > 0 && (this.#pending[0] as PendingFrame).at <= now && this.#state === 'open') {
        const f = this.#pending.shift() as PendingFrame;
        this.#sendFrame(f.chunk, f.timestamp, f.payload, f.track);
      }
      this.#schedulePending();
    }, head.at - this.#host.clock.now());
  }

  /** Send a caller DTMF key press. */
  sendDtmf(digit: string): void {
    if (this.#state !== 'open' || !this.sendsInbound) return;
    this.#send(
      serializeInbound(
        dtmfMessage({ sequenceNumber: ++this.#seq, streamId: this.streamId, digit, timestamp: this.#host.epochNow(), extraHeaders: this.config.extraHeaders }),
      ),
    );
  }

  /**
   * Play the next 20 ms: move up to `out.length` bytes from the buffer into `out`, answer the
   * checkpoints that became due. Returns the bytes written.
   */
  playTick(out: Uint8Array): number {
    const reached = this.#reached;
    const written = this.playout.drain(out, reached);
    for (const name of reached) {
      const at = this.#checkpointTimes.shift() ?? this.#host.t();
      const rttMs = this.#host.t() - at;
      this.#answered++;
      this.#send(serializeInbound(playedStreamMessage(++this.#seq, this.streamId, name)));
      this.#host.metrics.checkpointAnswered(rttMs);
      this.#host.emit({ type: 'played_stream', t: this.#host.t(), streamId: this.streamId, name, rttMs });
    }
    reached.length = 0;
    return written;
  }

  // ---- called by app-messages.ts ----

  /** Record a protocol error on the timeline. */
  protocolError(code: ErrorCode, message: string, plivoError?: PlivoErrorName): void {
    this.#host.emit({ type: 'protocol_error', t: this.#host.t(), streamId: this.streamId, code, plivoError, message });
  }

  /** Warn once per distinct message. */
  warnOnce(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.#host.emit({ type: 'warning', t: this.#host.t(), message });
  }

  /** Accept playAudio bytes already checked against the stream's format. */
  acceptAudio(audio: Uint8Array): void {
    this.#playAudios++;
    const result = this.playout.enqueue(audio);
    this.#receivedBytes += result.accepted;
    this.#host.metrics.playAudio(this.#host.t(), bytesToMs(this.config.format, result.accepted));
    // The app's own queue filling is the guide's buffer_overflow ("Sending audio too fast"),
    // not DegradedStream, which Plivo documents for a slow connection (slow-connection.ts).
    for (const percent of result.crossed) this.#host.emit({ type: 'buffer_level', t: this.#host.t(), streamId: this.streamId, percent });
    if (result.refused > 0) {
      this.protocolError(
        'EMULATOR_BUFFER_OVERFLOW',
        `playAudio overflowed Plivo's ${this.#opts.bufferSeconds} s buffer (${Math.round(bytesToMs(this.config.format, result.refused))} ms refused)`,
        'buffer_overflow',
      );
      this.#end('buffer_overflow', { status: 'DroppedStream', error: 'buffer_overflow', closeCode: 1011 });
    }
  }

  /** Queue a checkpoint after the audio buffered so far. */
  addCheckpoint(name: string): void {
    if (!this.playout.checkpoint(name)) {
      this.protocolError('EMULATOR_QUEUE_FULL', `more than ${this.playout.maxCheckpoints} checkpoints are pending; "${name.slice(0, 40)}" ignored`);
      return;
    }
    this.#checkpointTimes.push(this.#host.t());
    const pendingMs = bytesToMs(this.config.format, this.playout.buffered);
    this.#host.emit({ type: 'checkpoint', t: this.#host.t(), streamId: this.streamId, name, pendingMs });
  }

  /** Empty the buffer and answer clearedAudio. */
  clear(): void {
    const r = this.playout.clear();
    this.#checkpointTimes.length = 0;
    this.#host.metrics.cleared();
    this.#send(serializeInbound(clearedAudioMessage(++this.#seq, this.streamId)));
    this.#host.emit({
      type: 'clear_audio',
      t: this.#host.t(),
      streamId: this.streamId,
      droppedMs: bytesToMs(this.config.format, r.droppedBytes),
      droppedCheckpoints: r.droppedCheckpoints,
    });
  }

  /** Record the DTMF the app asked Plivo to play. */
  appDtmf(digits: string): void {
    this.#host.emit({ type: 'send_dtmf', t: this.#host.t(), streamId: this.streamId, digits });
  }

  // ---- ending ----

  /** End the stream on Plivo's side (hang-up, API stop, timeout, transfer): StopStream. */
  stop(reason: StreamEndReason): void {
    if (this.#state === 'ended') return;
    this.#end(reason, { status: 'StopStream' });
  }

  #end(reason: StreamEndReason, how: { status: 'StopStream' | 'DroppedStream'; error?: string; closeCode?: number }): void {
    if (this.#state === 'ended') return;
    const wasConnected = this.#ws !== undefined;
    this.#state = 'ended';
    this.#endReason = reason;
    this.#endedAt = this.#host.t();
    if (this.#timeoutTimer !== undefined) this.#host.clock.clearTimer(this.#timeoutTimer);
    if (this.#pendingTimer !== undefined) this.#host.clock.clearTimer(this.#pendingTimer);
    this.#pending.length = 0;
    const ws = this.#ws;
    if (ws !== undefined && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) {
      ws.close(how.closeCode ?? 1000, reason);
      // A peer that never answers the close handshake is cut off.
      const t = setTimeout(() => ws.terminate(), 2000);
      t.unref();
      ws.once('close', () => clearTimeout(t));
    }
    if (wasConnected || how.status === 'DroppedStream') this.#notifier.post(how.status, how.error === undefined ? {} : { Error: how.error });
    this.#host.emit({ type: 'stream_end', t: this.#endedAt, streamId: this.streamId, reason, code: this.#closeCode });
    this.#host.legEnded(this, reason);
  }

  /** Counters for the report. */
  summary(): LegSummary {
    return {
      streamId: this.streamId,
      url: this.config.url,
      format: this.config.format.name,
      startedAt: this.#startedAt,
      endedAt: this.#endedAt,
      endReason: this.#endReason,
      closeCode: this.#closeCode,
      framesSent: this.#framesSent,
      framesLost: this.#framesLost,
      messagesReceived: this.#received,
      playAudioMessages: this.#playAudios,
      audioReceivedMs: bytesToMs(this.config.format, this.#receivedBytes),
      checkpointsAnswered: this.#answered,
    };
  }
}
