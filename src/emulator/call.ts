/**
 * One emulated phone call: the caller, Plivo's call control and its streams. Fetches the
 * answer URL (or connects straight to a WebSocket), runs the caller's audio and the playout
 * on the shared 20 ms ticker, measures from the caller's side and ends with a report.
 *
 * Durations of audio (`silence(ms)`, `waitForBotSilence(ms)`) are in audio ms, so a script
 * means the same at any speed; timeouts are real ms.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock.js';
import { CallwireError, isCallwireError } from '../errors.js';
import { type StreamFormat, streamFormat } from '../protocol/format.js';
import { pcmToWire } from '../audio/codec.js';
import { encodeBase64 } from '../protocol/base64.js';
import { synthesizeSpeech } from '../providers/flite/synthesize.js';
import { type AnswerResult, answerParams, fetchAnswer } from './answer.js';
import { CallerAudio } from './caller-audio.js';
import type { ResolvedCallOptions } from './call-options.js';
import type { CallEvent, CallHangupBy, StreamEndReason } from './events.js';
import { HeardMixer } from './heard-mixer.js';
import { type LegConfig, legFromRest, legFromXml } from './leg-config.js';
import { CallMetrics } from './metrics.js';
import { type PreparedAudio, prepareAudio, silentFrame } from './prepared-audio.js';
import { EmulatedCallRecorder } from './recorder.js';
import { type CallReport, buildReport } from './report.js';
import { type LegHost, StreamLeg } from './stream-leg.js';
import type { FrameTicker } from './ticker.js';
import { CallWaits } from './waits.js';

/** What a call needs from the emulator that owns it. */
export interface CallHost {
  readonly clock: Clock;
  readonly accountId: string;
  epochNow(): number;
  ticker(speed: number): FrameTicker;
  callEnded(call: EmulatedCall): void;
}

/** A listener for call events. */
export type CallListener = (event: CallEvent) => void;

const MAX_TIMELINE = 10_000;

function ended(): CallwireError {
  return new CallwireError('EMULATOR_CALL_ENDED', 'the call has ended');
}

/** A live emulated call. Create it with `PlivoEmulator.dial()` or `startCall()`. */
export class EmulatedCall {
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly options: ResolvedCallOptions;
  /** Resolves once the first stream is open and `start` was sent; rejects if that fails. */
  readonly ready: Promise<void>;
  /** Always resolves, with the report, when the call is over. */
  readonly finished: Promise<CallReport>;

  readonly #host: CallHost;
  readonly #t0: number;
  readonly #sessionStart: string;
  readonly #metrics: CallMetrics;
  readonly #caller = new CallerAudio();
  readonly #waiters: CallWaits;
  readonly #listeners = new Set<CallListener>();
  readonly #timeline: CallEvent[] = [];
  readonly #legs: StreamLeg[] = [];
  readonly #allLegs: StreamLeg[] = [];
  #format: StreamFormat | undefined;
  #mixer: HeardMixer | undefined;
  #recorder: EmulatedCallRecorder | undefined;
  #unsubscribe: (() => void) | undefined;
  #maxTimer: TimerHandle | undefined;
  #answer: AnswerResult | undefined;
  #transferring = false;
  #reconnecting = false;
  #ending = false;
  #hangup: CallReport['hangup'] | undefined;
  #resolveReady!: () => void;
  #rejectReady!: (e: Error) => void;
  #resolveFinished!: (r: CallReport) => void;
  readonly #legHost: LegHost;

  constructor(host: CallHost, options: ResolvedCallOptions) {
    this.#host = host;
    this.options = options;
    this.callId = options.callUuid;
    this.from = options.from;
    this.to = options.to;
    this.#t0 = host.clock.now();
    this.#sessionStart = new Date(host.epochNow()).toISOString().replace('T', ' ').replace('Z', '000');
    this.#waiters = new CallWaits(host.clock);
    this.#metrics = new CallMetrics((e) => this.#emit(e), { speed: options.speed });
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {});
    this.finished = new Promise<CallReport>((resolve) => {
      this.#resolveFinished = resolve;
    });
    this.#legHost = {
      callUuid: options.callUuid,
      accountId: host.accountId,
      authToken: options.authToken,
      clock: host.clock,
      speed: options.speed,
      metrics: this.#metrics,
      t: () => this.#now(),
      epochNow: () => host.epochNow(),
      emit: (e) => this.#emit(e),
      legEnded: (leg, reason) => this.#legEnded(leg, reason),
    };
    this.#maxTimer = host.clock.setTimer(() => this.#end('timeout', `the call reached its ${options.maxDurationMs} ms limit`), options.maxDurationMs);
    void this.#run();
  }

  /** When the call was dialled, as Plivo's `session_start` (UTC, `YYYY-MM-DD HH:MM:SS.ffffff`). */
  get sessionStart(): string {
    return this.#sessionStart;
  }

  /** ms since the call was dialled. */
  #now(): number {
    return this.#host.clock.now() - this.#t0;
  }

  /** The format of the first stream (known once `ready`). */
  get format(): StreamFormat | undefined {
    return this.#format;
  }

  /** The current streams (open or connecting). */
  get streamIds(): readonly string[] {
    return this.#legs.map((l) => l.streamId);
  }

  /** The answer XML's Stream, when the call went through an answer URL. */
  get answer(): AnswerResult | undefined {
    return this.#answer;
  }

  /** True once the call is over (or ending). */
  get isEnded(): boolean {
    return this.#ending;
  }

  /** The timeline so far. */
  get timeline(): readonly CallEvent[] {
    return this.#timeline;
  }

  /** Subscribe to events; returns the unsubscribe function. */
  on(listener: CallListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: CallEvent): void {
    if (this.#timeline.length < MAX_TIMELINE) this.#timeline.push(event);
    if (event.type === 'bot_audio' && event.phase === 'start') this.#waiters.speechStarted(event.t);
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // A listener's bug must not break the call.
      }
    }
  }

  // ------------------------------------------------------------------ setup

  async #run(): Promise<void> {
    const o = this.options;
    try {
      let config: LegConfig;
      if (o.answerUrl !== undefined) {
        const fetched = await this.#fetch(o.answerUrl, o.answerMethod);
        if (fetched === undefined) throw new CallwireError('EMULATOR_ANSWER_FAILED', `the answer XML has no <Stream> (verbs: ${this.#answer?.verbs.join(', ') || 'none'})`);
        config = fetched;
      } else {
        const format = streamFormat(o.format);
        config = {
          streamId: randomUUID(),
          url: o.streamUrl as string,
          format,
          bidirectional: o.bidirectional,
          audioTrack: o.audioTrack,
          extraHeaders: o.extraHeaders,
          streamTimeoutS: 86400,
          keepCallAlive: true,
          statusCallback: o.statusCallbackUrl === undefined ? undefined : { url: o.statusCallbackUrl, method: 'POST' },
          attributes: { bidirectional: String(o.bidirectional), contentType: format.contentType },
        };
      }
      if (this.#ending) throw ended();
      await this.#openLeg(config);
      this.#resolveReady();
      this.#applyKeepCallAlive();
    } catch (e) {
      const err = isCallwireError(e) ? e : new CallwireError('EMULATOR_CONNECTION_FAILED', (e as Error).message, { cause: e });
      // Stream failures are on the timeline already (from the leg); answer failures are not.
      if (this.#allLegs.length === 0 && err.code !== 'EMULATOR_CALL_ENDED') {
        const plivoError = err.code === 'EMULATOR_AUTHENTICATION_FAILED' ? 'authentication_failed' : err.code === 'EMULATOR_CONNECTION_FAILED' ? 'connection_failed' : undefined;
        this.#emit({ type: 'protocol_error', t: this.#now(), streamId: '', code: err.code, plivoError, message: err.message });
      }
      this.#rejectReady(err);
      if (!this.#ending) this.#end('plivo', `${err.code}: ${err.message}`);
    }
  }

  /** Fetch XML; resolves to the stream it starts, or undefined when it has no `<Stream>`. */
  async #fetch(url: string, method: 'GET' | 'POST'): Promise<LegConfig | undefined> {
    this.#emit({ type: 'answer_request', t: this.#now(), url, method });
    const answer = await fetchAnswer({ url, method, params: answerParams({ callUuid: this.callId, from: this.from, to: this.to }), authToken: this.options.authToken });
    this.#answer = answer;
    const s = answer.stream;
    this.#emit({ type: 'answer', t: this.#now(), status: answer.status, ms: answer.ms, verbs: answer.verbs, streamUrl: s?.url ?? '', contentType: s?.contentType ?? '' });
    if (s === undefined) return undefined;
    const warn = (message: string): void => this.#emit({ type: 'warning', t: this.#now(), message });
    // Plivo accepts ws:// too (docs/plivo-protocol.md, "ws:// and wss://"); it is only unencrypted.
    if (!/^wss:\/\//i.test(s.url)) warn(`the Stream URL is not wss:// (Plivo connects, but the audio travels unencrypted; use wss:// in production)`);
    if (s.attributes.contentType === undefined) warn(`the Stream has no contentType: Plivo's documented default (${s.contentType}) applies`);
    if (!s.bidirectional) warn('the Stream is not bidirectional: Plivo ignores playAudio on it');
    const others = answer.verbs.filter((v) => v !== 'Stream');
    if (others.length > 0) warn(`verbs other than <Stream> are not emulated: ${others.join(', ')}`);
    try {
      return legFromXml(randomUUID(), s);
    } catch (cause) {
      throw new CallwireError('EMULATOR_ANSWER_FAILED', (cause as Error).message, { cause });
    }
  }

  async #openLeg(config: LegConfig, attempts?: number): Promise<StreamLeg> {
    const o = this.options;
    if (this.#format === undefined) {
      this.#format = config.format;
      this.#mixer = new HeardMixer(config.format.sampleRate, o.speechThreshold);
      if (o.record) this.#recorder = new EmulatedCallRecorder(config.format.sampleRate);
    }
    const leg = new StreamLeg(config, this.#legHost, {
      signUpgradeAs: o.signUpgradeAs,
      impairments: o.impairments,
      connectRetries: o.connectRetries,
      connectTimeoutMs: 10_000,
      maxMessageBytes: o.maxMessageBytes,
      bufferSeconds: 40,
      maxSendBacklog: 4 * 1024 * 1024,
    });
    this.#legs.push(leg);
    this.#allLegs.push(leg);
    await leg.connect(attempts);
    if (leg.open) this.#unsubscribe ??= this.#host.ticker(o.speed).subscribe((t) => this.#tick(t));
    return leg;
  }

  // Plivo: with keepCallAlive="false" the next verb runs at once; when <Stream> is the last
  // verb the call then ends ("ensure that keepCallAlive is set to true. This will prevent calls
  // from being disconnected immediately after connection":
  // https://plivo.com/docs/voice/audio-streaming/overview). The legacy reference says it
  // applies only to bidirectional streams.
  #applyKeepCallAlive(): void {
    const s = this.#answer?.stream;
    const verbs = this.#answer?.verbs ?? [];
    if (s === undefined || !this.options.honorKeepCallAlive || s.keepCallAlive || !s.bidirectional) return;
    if (verbs[verbs.length - 1] !== 'Stream') return;
    this.#emit({ type: 'warning', t: this.#now(), message: 'keepCallAlive is not "true" and <Stream> is the last verb: Plivo ends the call right after connecting' });
    this.#end('plivo', 'keepCallAlive="false" with nothing after <Stream>');
  }

  // ------------------------------------------------------------------ per tick

  #tick(tickTime: number): void {
    if (this.#ending) return;
    const t = tickTime - this.#t0;
    const mixer = this.#mixer as HeardMixer;
    const heard = mixer.tick(this.#legs);
    // How late this tick runs: after a stall of the emulator's event loop the missed ticks run
    // back to back, before the audio queued in the socket is read (metrics discount that).
    this.#metrics.heardFrame(t, heard.hadAudio, heard.loudAtMs < 0 ? -1 : heard.loudAtMs / this.options.speed, Math.max(0, this.#now() - t));

    const f = this.#caller.next();
    if (f.speechStart !== undefined) this.#emit({ type: 'caller_speech', t, phase: 'start', label: f.speechStart });
    this.#metrics.callerFrame(t, f.speech, f.speechEnd !== undefined);
    for (const leg of this.#legs) {
      if (!leg.open) continue;
      const format = leg.config.format;
      if (leg.sendsInbound) leg.sendMedia(f.audio === undefined ? silentFrame(format) : (f.audio.wire(format)[f.index] as string), tickTime);
      if (leg.sendsOutbound) leg.sendMedia(heard.hadAudio ? encodeBase64(pcmToWire(format, heard.pcm)) : silentFrame(format), tickTime, 'outbound');
    }
    const callerPcm = f.audio === undefined ? undefined : f.audio.pcm.subarray(f.index * f.audio.frameSamples, (f.index + 1) * f.audio.frameSamples);
    this.#recorder?.frame(callerPcm, heard.hadAudio ? heard.pcm : undefined, mixer.frameSamples);
    if (f.speechEnd !== undefined) this.#emit({ type: 'caller_speech', t, phase: 'end', label: f.speechEnd });
    this.#caller.sent();
    this.#waiters.tick(t, this.#metrics.botSpeaking ? -1 : t - this.#metrics.botQuietSince);
  }

  // ------------------------------------------------------------------ caller actions

  /** Speak `text` with the embedded flite voice; resolves when the last frame is sent. */
  async say(text: string, options: { voice?: string } = {}): Promise<void> {
    await this.ready;
    const rate = (this.#format as StreamFormat).sampleRate;
    const speech = await synthesizeSpeech(text, { voice: options.voice ?? this.options.voice, sampleRate: rate });
    if (this.#ending) throw ended();
    return this.#caller.speak(prepareAudio(speech.samples, rate, rate, this.options.speechThreshold), `say "${text.slice(0, 60)}"`);
  }

  /** Play PCM16 audio at any rate as the caller; resolves when the last frame is sent. */
  async play(samples: Int16Array, sampleRate: number, label = 'audio'): Promise<void> {
    await this.ready;
    const rate = (this.#format as StreamFormat).sampleRate;
    return this.#caller.speak(prepareAudio(samples, sampleRate, rate, this.options.speechThreshold), label);
  }

  /** Play audio prepared with `prepareAudio()` at this call's rate (shared across calls by `load`). */
  async playPrepared(audio: PreparedAudio, label = 'audio'): Promise<void> {
    await this.ready;
    if (audio.sampleRate !== (this.#format as StreamFormat).sampleRate) {
      return this.play(audio.pcm, audio.sampleRate, label);
    }
    return this.#caller.speak(audio, label);
  }

  /** Stay silent for `ms` of audio (queued after any speech); resolves when done. */
  async silence(ms: number): Promise<void> {
    await this.ready;
    return this.#caller.silence(ms);
  }

  /** Press a key: a `dtmf` event goes to every stream at once. */
  pressDigit(digit: string): void {
    if (!/^[0-9A-D*#]$/.test(digit)) throw new CallwireError('EMULATOR_SCRIPT_INVALID', 'a DTMF digit is one of 0-9, A-D, * or #');
    if (this.#ending) throw ended();
    for (const leg of this.#legs) leg.sendDtmf(digit);
    this.#emit({ type: 'dtmf_sent', t: this.#now(), digit });
  }

  /** Resolves (with the call time) when bot speech is audible: now, or when it next starts. */
  waitForBotSpeech(options: { timeoutMs?: number } = {}): Promise<number> {
    if (this.#metrics.botSpeaking) return Promise.resolve(this.#metrics.botSpeakingSince);
    return this.#waiters.add('speech', 0, options.timeoutMs ?? 30_000, 'bot speech');
  }

  /** Resolves when the bot has been quiet for `ms` of audio. */
  waitForBotSilence(ms: number, options: { timeoutMs?: number } = {}): Promise<number> {
    return this.#waiters.add('silence', ms / this.options.speed, options.timeoutMs ?? 60_000, `${ms} ms of bot silence`);
  }

  /** Resolves once the call has run `t` ms since it was dialled (now, if it already has). */
  async waitUntil(t: number): Promise<void> {
    if (this.#ending) throw ended();
    // Node's timers are coarser than the monotonic clock and may fire a fraction of a ms early.
    while (this.#now() < t) await this.#waiters.sleep(Math.max(1, t - this.#now()));
  }

  /** The caller hangs up; resolves with the report. */
  hangup(reason = 'the caller hung up'): Promise<CallReport> {
    this.#end('caller', reason);
    return this.finished;
  }

  // ------------------------------------------------------------------ REST-driven control

  /** Hang up through the REST API. */
  hangupByApi(): void {
    this.#end('api', 'hung up through the REST API');
  }

  /** Transfer the call: its streams stop, Plivo fetches `url` and follows the new XML (`blegUrl`, for legs=both, is recorded only). */
  async transfer(url: string, method: 'GET' | 'POST', blegUrl?: string): Promise<void> {
    if (this.#ending) return;
    this.#transferring = true;
    this.#emit({ type: 'transfer', t: this.#now(), url, ...(blegUrl === undefined ? {} : { legs: 'both' as const, blegUrl }) });
    for (const leg of [...this.#legs]) leg.stop('transferred');
    try {
      const config = await this.#fetch(url, method);
      this.#transferring = false;
      if (this.#ending) return;
      // Without a <Stream> (a <Dial> to a person, say) the call leaves the emulated world.
      if (config === undefined) this.#end('app', `transferred to XML the emulator does not follow: <${this.#answer?.verbs.join('>, <') ?? ''}>`);
      else await this.#openLeg(config);
    } catch (e) {
      this.#transferring = false;
      if (!this.#ending) this.#end('plivo', `transfer failed: ${(e as Error).message}`);
    }
  }

  /** Start another stream through the REST API; returns its id. @throws ConfigError */
  startStream(params: Readonly<Record<string, string>>): string {
    if (this.#ending) throw ended();
    const config = legFromRest(randomUUID(), params);
    this.#openLeg(config).catch(() => {
      // The failure is on the timeline (connect_failed, DroppedStream).
    });
    return config.streamId;
  }

  /** Stop one stream (or all with no id) through the REST API. Returns false when none matched. */
  stopStreams(streamId?: string): boolean {
    const targets = this.#legs.filter((l) => streamId === undefined || l.streamId === streamId);
    for (const leg of targets) leg.stop('stopped_by_api');
    return targets.length > 0;
  }

  /** Streams for the REST API's GET (live and ended). */
  streamSummaries(): ReturnType<StreamLeg['summary']>[] {
    return this.#allLegs.map((l) => l.summary());
  }

  /** Record a REST request on the timeline. */
  recordRest(method: string, path: string, status: number): void {
    this.#emit({ type: 'rest', t: this.#now(), method, path, status });
  }

  // ------------------------------------------------------------------ ending

  #legEnded(leg: StreamLeg, reason: StreamEndReason): void {
    const i = this.#legs.indexOf(leg);
    if (i !== -1) this.#legs.splice(i, 1);
    this.#mixer?.remove(leg);
    if (reason === 'dropped' && leg.droppedByPeer && this.options.reconnectDropped && !this.#ending && !this.#transferring) {
      void this.#reconnect(leg);
      return;
    }
    if (this.#ending || this.#transferring || this.#reconnecting || this.#legs.length > 0) return;
    switch (reason) {
      case 'app_closed': {
        // keepCallAlive="true": "Subsequent XML elements execute only after the stream
        // disconnects" (https://docs.plivo.com/docs/voice/xml/audiostream). Closing the stream
        // moves the call on to the next verb; with none left the call ends, as any XML that
        // runs out does. (CallStream.hangup() documents the same reading.)
        const verbs = this.#answer?.verbs ?? [];
        const after = verbs.slice(verbs.lastIndexOf('Stream') + 1);
        if (after.length === 0) this.#end('app', 'the app closed the stream and no verb follows <Stream>: the call ends');
        else this.#end('app', `the app closed the stream: Plivo now runs <${after.join('>, <')}>, which the emulator does not emulate`);
        return;
      }
      case 'stopped_by_api':
        this.#end('api', 'the stream was stopped through the REST API and no verb follows');
        return;
      case 'hangup':
      case 'transferred':
      case 'connect_failed':
        // Whoever started the connection (setup, transfer, REST) ends the call with the reason.
        return;
      case 'dropped':
      case 'buffer_overflow':
      case 'stream_timeout':
        this.#end('plivo', `the stream ended: ${reason}`);
        return;
    }
  }

  /**
   * Plivo retries a dropped stream ("twice before disconnecting the stream"): the same call
   * connects again with a new stream id and sends `start`; the caller keeps talking meanwhile,
   * so what they say while no stream is open is lost, as on a real call.
   */
  async #reconnect(dropped: StreamLeg): Promise<void> {
    this.#reconnecting = true;
    const config: LegConfig = { ...dropped.config, streamId: randomUUID() };
    this.#emit({ type: 'stream_reconnect', t: this.#now(), streamId: config.streamId, previousStreamId: dropped.streamId });
    const attempts = Math.max(1, this.options.connectRetries);
    try {
      await this.#openLeg(config, attempts);
      this.#reconnecting = false;
    } catch {
      this.#reconnecting = false;
      // The failure is on the timeline (connect_failed, DroppedStream).
      if (!this.#ending && this.#legs.length === 0) this.#end('plivo', `the stream dropped and ${attempts} reconnection attempts failed`);
    }
  }

  #end(by: CallHangupBy, reason: string): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#hangup = { by, reason, t: this.#now() };
    this.#emit({ type: 'hangup', t: this.#hangup.t, by, reason });
    for (const leg of [...this.#legs]) leg.stop('hangup');
    void this.#finalize();
  }

  async #finalize(): Promise<void> {
    this.#unsubscribe?.();
    if (this.#maxTimer !== undefined) this.#host.clock.clearTimer(this.#maxTimer);
    const err = ended();
    this.#caller.cancel(err);
    this.#waiters.close(err);
    this.#rejectReady(err);
    const hangup = this.#hangup as CallReport['hangup'];
    await Promise.all(this.#allLegs.map((l) => l.settled()));
    this.#mixer?.destroy();
    const report = buildReport({
      callId: this.callId,
      from: this.from,
      to: this.to,
      format: this.#format?.name,
      speed: this.options.speed,
      durationMs: this.#now(),
      hangup,
      streams: this.#allLegs.map((l) => l.summary()),
      // Events are emitted as they happen; a few carry an earlier `t` (e.g. the exact
      // sample a bot turn started at), so the report orders them.
      timeline: [...this.#timeline].sort((a, b) => a.t - b.t),
      metrics: this.#metrics.report(),
      recording: this.#recorder?.finish(),
    });
    this.#host.callEnded(this);
    this.#resolveFinished(report);
  }
}
