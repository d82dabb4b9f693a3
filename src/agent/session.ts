/**
 * One agent conversation on one call. The session listens (VAD with hysteresis, STT,
 * turn-taking), hands each user turn to the responder, and owns barge-in: when the caller
 * speaks over the bot it stops the audio at Plivo (clearAudio), cancels LLM and TTS, and
 * lets the heard-ledger cut the reply in the chat context to what was played; if the
 * "interruption" brings no words it resumes the cut reply. It also runs DTMF, idle prompts,
 * and the per-turn latency ledger.
 */
import type { Clock } from '../clock.js';
import { detach } from '../detached.js';
import { type CallwireError, ProviderError, RestError, isCallwireError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { LogSampler } from '../log/sampled.js';
import { webRtcVad } from '../providers/webrtc-vad/index.js';
import type { AudioSpec, ProviderKind, ProviderMetric, SttSession, TtsSession } from '../providers/types.js';
import type { CallStream } from '../stream/call-stream.js';
import type { InboundAudioFrame, StreamInfo } from '../stream/types.js';
import { TypedEmitter } from '../stream/typed-emitter.js';
import { CLOSE } from '../stream/close-codes.js';
import { pcmToL16 } from '../audio/pcm.js';
import { ChatContext } from './chat-context.js';
import type { AgentSettings } from './config.js';
import { type CollectDigitsOptions, type CollectedDigits, DigitCollector } from './digits.js';
import { IDLE_DEFAULTS, IdleMonitor } from './idle.js';
import { InboundTimeline } from './inbound-timeline.js';
import { DEFAULT_BUDGET, type LatencyBudget } from '../latency-budget.js';
import { LatencyLedger, type TurnLedger, describeLedger } from './latency-ledger.js';
import { LlmResponder } from './llm-responder.js';
import type { Reply, Responder, UserTurn } from './responder.js';
import { sentencesOf } from './sentence-splitter.js';
import { type SpeechEvent, SpeechDetector } from './speech-detector.js';
import { Utterance, type UtteranceOptions, type UtteranceResult } from './speech-output.js';
import { type TurnDetector as TurnDetectorT, type DetectedTurn, TurnDetector } from './turn-detector.js';
import { type ToolContext, hangupTool, sendDtmfTool, transferTool } from './tools.js';
import { sharedTtsCache, ttsIdentity } from './tts-cache.js';

/** What a session reports. */
export interface AgentEvents {
  state: { readonly state: AgentState };
  ready: { readonly stt: boolean; readonly tts: boolean };
  user_speech_start: { readonly at: number };
  user_speech_end: { readonly at: number };
  transcript: { readonly text: string; readonly final: boolean };
  user_turn: { readonly turn: UserTurn; readonly reason: DetectedTurn['reason'] };
  turn_discarded: { readonly reason: string };
  /** A reply finished playing or was cut; emitted for every responder. */
  reply: { readonly turn: number; readonly userText: string; readonly result: UtteranceResult };
  ledger: TurnLedger;
  barge_in: { readonly turn: number; readonly at: number; readonly said: string; readonly heard: string };
  false_interruption: { readonly turn: number; readonly resumed: string };
  dtmf: { readonly digit: string };
  tool_call: { readonly name: string; readonly arguments: string; readonly ok: boolean; readonly result: string; readonly ms: number };
  idle_prompt: { readonly count: number };
  hangup: { readonly reason: string };
  /** A dropped stream of the same call came back: the conversation continues with its context. */
  resumed: { readonly callId: string; readonly turns: number; readonly droppedMs: number };
  error: { readonly error: CallwireError; readonly stage: string };
  /** A fallback chain moved this call from a failed provider to the next (code PROVIDER_FAILOVER). */
  failover: { readonly stage: ProviderKind; readonly from: string; readonly to: string; readonly ms: number; readonly replayed: number; readonly error: CallwireError };
}

/** A conversation kept after its stream dropped, for the same call to pick up. */
export interface ParkedConversation {
  readonly messages: readonly import('../providers/types.js').ChatMessage[];
  readonly turnIndex: number;
  readonly lastLedger: TurnLedger | undefined;
  /** Monotonic ms when the stream dropped. */
  readonly droppedAt: number;
}

/** Where parked conversations live (the Agent keeps them). */
export interface ConversationParking {
  /** Take the conversation parked for `callId`, if it dropped within the window before `now` (monotonic ms). */
  take(callId: string, now: number): ParkedConversation | undefined;
  /** Park a conversation whose stream dropped. */
  park(callId: string, conversation: ParkedConversation): void;
}

/** Where the conversation is. */
export type AgentState = 'starting' | 'listening' | 'thinking' | 'speaking' | 'ended';

interface Interruption {
  readonly turn: number;
  readonly at: number;
  result?: UtteranceResult;
  timer?: ReturnType<Clock['setTimer']>;
}

/** Everything an agent is made of (what `defineAgent` accepts). */
export interface AgentConfig extends AgentSettings {
  /** Replies from something other than an LLM (the built-in agent uses this); a function gets the session. */
  readonly responder?: Responder | ((session: AgentSession) => Responder);
  /** Called with each new session (before audio flows): attach event listeners here. */
  readonly onSession?: (session: AgentSession) => void;
}

/** Said when a provider fails mid-call, unless `apology` is configured. */
export const DEFAULT_APOLOGY = 'Sorry, I am having some trouble right now. Please give me a moment.';

const PREROLL_MS = 200;
const MAX_TURN_AUDIO_MS = 30_000;

export class AgentSession {
  readonly call: CallStream;
  readonly context: ChatContext;
  readonly clock: Clock;
  readonly #cfg: AgentConfig;
  readonly #events: TypedEmitter<AgentEvents>;
  readonly #responder: Responder;
  readonly #budget: LatencyBudget;
  readonly #timeline = new InboundTimeline();
  readonly #callAbort = new AbortController();
  #info: StreamInfo | undefined;
  #state: AgentState = 'starting';
  #detector: SpeechDetector | undefined;
  #turns: TurnDetectorT | undefined;
  #stt: SttSession | undefined;
  #sttSpec: AudioSpec | undefined;
  #tts: TtsSession | undefined;
  #idle: IdleMonitor | undefined;
  #ready = false;
  #pending: InboundAudioFrame[] = [];
  #active = new Set<Utterance>();
  #response: AbortController | undefined;
  #turnIndex = 0;
  #interruption: Interruption | undefined;
  #collector: DigitCollector | undefined;
  #lastLedger: TurnLedger | undefined;
  #lastReply: { turn: number; result: UtteranceResult } | undefined;
  #preroll: Int16Array[] = [];
  #turnAudio: Int16Array[] | undefined;
  #turnAudioMs = 0;
  #speechRunStartAudioMs = 0;
  #apologized = false;
  /** Provider failures so far: a reply that ran without one ends the outage (the next one apologizes again). */
  #failures = 0;
  #hangingUp = false;
  /** The latest DTMF key pressed before the agent was ready. */
  #pendingDigit: string | undefined;
  /** Client-caused log lines (a keypad flood, a full queue) are sampled: 1st, 10th, 100th, ... */
  readonly #sampler = new LogSampler(64);

  readonly #parking: ConversationParking | undefined;

  constructor(call: CallStream, config: AgentConfig, parking?: ConversationParking) {
    this.call = call;
    this.#cfg = config;
    this.#parking = parking;
    this.clock = call.clock;
    this.context = new ChatContext(config.instructions);
    this.#budget = { ...DEFAULT_BUDGET, ...(config.budget ?? {}) };
    this.#events = new TypedEmitter((error, event) => this.log.error({ err: (error as Error)?.message, event }, 'an agent event listener threw'));
    this.#responder = typeof config.responder === 'function' ? config.responder(this) : (config.responder ?? this.#llmResponder());
    call.on('audio', (f) => this.#onAudio(f));
    call.on('dtmf', (d) => this.#detached(() => this.#onDtmf(d.digit), 'dtmf'));
    call.on('end', (end) => {
      // A stream that failed (not a hang-up) may come back: Plivo retries it. Keep the conversation.
      const dropped = end.by === 'socket_error' || end.by === 'keepalive';
      if (dropped && this.#info !== undefined && this.#parking !== undefined && this.context.messages.length > 0) {
        this.#parking.park(this.#info.callId, { messages: this.context.messages, turnIndex: this.#turnIndex, lastLedger: this.#lastLedger, droppedAt: this.clock.now() });
      }
      this.#onEnd();
    });
    config.onSession?.(this);
  }

  /** The call's logger (bound to stream and call id once the stream started). */
  get log(): Logger {
    return this.call.logger;
  }

  /** Listen for an event; returns an unsubscribe function. */
  on<K extends keyof AgentEvents>(event: K, listener: (payload: AgentEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  get state(): AgentState {
    return this.#state;
  }

  /** The latest turn's latency ledger. */
  get lastLedger(): TurnLedger | undefined {
    return this.#lastLedger;
  }

  /** Aborted when the call ends. */
  get signal(): AbortSignal {
    return this.#callAbort.signal;
  }

  /**
   * Open providers and start listening; resolves once ready (or the call ended). Never
   * rejects: when the agent cannot start (the voice detector cannot be created, say), the
   * failure is logged and emitted as `error` (stage 'start') and this call alone is ended,
   * closed with a reason naming the code and the error in its end info.
   */
  async start(): Promise<void> {
    try {
      await this.#start();
    } catch (e) {
      // Left to reject, it would be an unhandled rejection, which ends the whole process (every call).
      const error = isCallwireError(e) ? e : new ProviderError('PROVIDER_UNAVAILABLE', 'agent', `the agent could not start: ${(e as Error)?.message ?? String(e)}`, { cause: e });
      this.log.error({ code: error.code, stage: 'start' }, `the agent could not start; ending this call: ${error.message}`);
      this.#events.emit('error', { error, stage: 'start' });
      this.call.close(`the agent could not start (${error.code})`, 'server', CLOSE.INTERNAL, error);
    }
  }

  async #start(): Promise<void> {
    let info: StreamInfo;
    try {
      info = await this.call.started();
    } catch {
      return;
    }
    this.#info = info;
    const format = info.format;
    const rate = format.sampleRate;
    const base = { signal: this.#callAbort.signal, callId: info.callId, streamId: info.streamId, now: () => this.clock.now(), onMetric: this.#onMetric };
    const wireSpec: AudioSpec = { encoding: format.encoding === 'audio/x-mulaw' ? 'mulaw' : 'pcm16', sampleRate: rate };
    const cfg = this.#cfg;
    const vad = cfg.vad ?? webRtcVad();
    const [made, stt, tts] = await Promise.all([
      // Settled, not thrown: the providers opened alongside must be closed if it fails.
      SpeechDetector.create(vad, rate, { minSpeechMs: cfg.bargeIn?.minSpeechMs ?? 200, minSilenceMs: cfg.turn?.minEndpointingMs ?? 400 }).then(
        (detector) => ({ detector }),
        (e: unknown) => ({ error: isCallwireError(e) ? e : new ProviderError('PROVIDER_UNAVAILABLE', vad.name, `could not create the voice detector: ${(e as Error)?.message ?? String(e)}`, { cause: e }) }),
      ),
      this.#open('stt', async () => {
        if (cfg.stt === undefined) return undefined;
        const accepted = cfg.stt.inputFormats.find((f) => f.encoding === wireSpec.encoding && f.sampleRate === rate);
        this.#sttSpec = accepted ?? { encoding: 'pcm16', sampleRate: rate };
        return cfg.stt.open({ ...base, audio: this.#sttSpec, language: cfg.language });
      }),
      this.#open('tts', async () => cfg.tts?.open({ ...base, preferred: [wireSpec, { encoding: 'pcm16', sampleRate: rate }], voice: cfg.voice })),
      this.#open('llm', async () => cfg.llm?.warm?.(this.#callAbort.signal)),
    ]);
    if (this.#state === 'ended' || 'error' in made) {
      if ('detector' in made) made.detector.destroy();
      void stt?.close().catch(() => {});
      void tts?.close().catch(() => {});
      if ('error' in made) throw made.error;
      return;
    }
    const detector = made.detector;
    this.#detector = detector;
    this.#stt = stt;
    this.#tts = tts;
    this.#turns = new TurnDetector(this.clock, { withStt: stt !== undefined, maxEndpointingMs: cfg.turn?.maxEndpointingMs }, (t) => this.#onTurn(t), (reason) => {
      this.#turnAudio = undefined;
      this.#events.emit('turn_discarded', { reason });
    });
    if (cfg.idle !== false) {
      const idle = cfg.idle ?? {};
      const prompts = idle.prompts ?? IDLE_DEFAULTS.prompts;
      this.#idle = new IdleMonitor(this.clock, idle, (n) => {
        this.#events.emit('idle_prompt', { count: n });
        this.say(prompts[(n - 1) % prompts.length] as string, { cache: true, label: 'idle' });
      }, () => {
        this.say(idle.goodbye ?? IDLE_DEFAULTS.goodbye, { cache: true, label: 'goodbye' });
        this.#detached(() => this.hangup('no response from the caller'), 'hangup');
      });
    }
    if (stt !== undefined) this.#detached(() => this.#sttLoop(stt), 'stt');
    this.#ready = true;
    this.#setState('listening');
    this.#events.emit('ready', { stt: stt !== undefined, tts: tts !== undefined });
    const pending = this.#pending;
    this.#pending = [];
    for (const f of pending) this.#onAudio(f);
    const resumed = this.#parking?.take(info.callId, this.clock.now());
    if (resumed !== undefined) {
      this.context.restore(resumed.messages);
      this.#turnIndex = resumed.turnIndex;
      this.#lastLedger = resumed.lastLedger;
      const droppedMs = Math.round(this.clock.now() - resumed.droppedAt);
      this.log.info({ turns: resumed.turnIndex, droppedMs }, 'resumed the conversation of a dropped stream');
      this.#events.emit('resumed', { callId: info.callId, turns: resumed.turnIndex, droppedMs });
      if (cfg.resumePhrase) this.say(cfg.resumePhrase, { cache: true, label: 'resume' });
      else this.#idle?.activity();
    } else if (cfg.greeting !== undefined) {
      const g = typeof cfg.greeting === 'string' ? { text: cfg.greeting } : cfg.greeting;
      this.say(g.text, { cache: true, label: 'greeting', uninterruptible: g.uninterruptible });
    } else this.#idle?.activity();
    const digit = this.#pendingDigit;
    this.#pendingDigit = undefined;
    if (digit !== undefined) this.#detached(() => this.#onDtmf(digit), 'dtmf');
  }

  // ------------------------------------------------------------ speaking

  /** Start an utterance (segments added later); it plays after anything already queued. */
  utterance(options: UtteranceOptions = {}): Utterance {
    const u = new Utterance(
      {
        player: () => this.call.player,
        clock: this.clock,
        tts: this.#tts,
        ttsName: this.#cfg.tts?.name ?? 'none',
        ttsKey: this.#cfg.tts === undefined ? 'none' : ttsIdentity(this.#cfg.tts),
        voice: this.#cfg.voice,
        cache: sharedTtsCache,
        onError: (error, text) => this.#speechFailed(error, text),
      },
      options,
    );
    this.#active.add(u);
    this.#idle?.pause();
    this.#setState('speaking');
    this.#detached(
      () =>
        u.done.then(() => {
          this.#active.delete(u);
          if (this.#active.size === 0) {
            this.#idle?.resume();
            if (this.#state === 'speaking') this.#setState('listening');
          }
        }),
      'speech',
    );
    return u;
  }

  /** Say a complete text, cut into sentences. */
  say(text: string, options: UtteranceOptions = {}): Utterance {
    const u = this.utterance(options);
    for (const s of sentencesOf(text)) u.addText(s);
    u.end();
    return u;
  }

  /**
   * Stop whatever the agent is saying now: clear the call's audio at Plivo, cancel the
   * running reply and every active utterance (a phone menu's new key press, say). Nothing
   * happens while an uninterruptible utterance plays, unless `force` (a hang-up key).
   * @returns true when audio was cleared
   */
  interrupt(options: { readonly force?: boolean; readonly reason?: string } = {}): boolean {
    if (this.#state === 'ended' || !this.#ready) return false;
    const active = [...this.#active];
    if (options.force !== true && active.some((u) => u.uninterruptible)) return false;
    const player = this.call.player;
    if (active.length === 0 && !player.busy) return false;
    player.clear();
    this.#response?.abort();
    for (const u of active) u.abort();
    this.log.debug({ reason: options.reason, utterances: active.length }, 'speech interrupted; audio cleared');
    return true;
  }

  /** Collect DTMF digits (they do not reach the responder meanwhile). */
  collectDigits(options: CollectDigitsOptions = {}): Promise<CollectedDigits> {
    this.#collector?.cancel();
    const c = new DigitCollector(this.clock, options);
    this.#collector = c;
    return c.done;
  }

  /**
   * End the call once what is queued has played (up to 15 s): through Plivo's REST API
   * when credentials are configured, else by closing the stream.
   */
  async hangup(reason = 'the agent ended the call'): Promise<void> {
    if (this.#hangingUp || this.#state === 'ended') return;
    this.#hangingUp = true;
    this.#events.emit('hangup', { reason });
    this.log.info({ reason }, 'agent hanging up');
    await Promise.race([Promise.all([...this.#active].map((u) => u.done)), new Promise((r) => this.clock.setTimer(() => r(undefined), 15_000))]);
    try {
      await this.call.player.whenIdle();
    } catch {
      // not started: nothing to wait for
    }
    try {
      await this.call.hangup();
    } catch (e) {
      if (!(e instanceof RestError && e.code === 'REST_MISSING_CREDENTIALS')) this.log.warn({ err: (e as Error).message }, 'REST hangup failed; closing the stream');
      this.call.close(reason, 'agent');
    }
  }

  /** Transfer the call (Plivo REST) to a number or SIP URI. */
  async transfer(to: string): Promise<void> {
    await this.call.transfer(to);
  }

  // ------------------------------------------------------------ listening

  #onAudio(frame: InboundAudioFrame): void {
    if (!this.#ready) {
      if (this.#state !== 'ended') {
        this.#pending.push(frame);
        if (this.#pending.length > 1500) this.#pending.shift();
      }
      return;
    }
    this.#timeline.add(frame);
    this.#capture(frame);
    const stt = this.#stt;
    if (stt !== undefined) stt.push(this.#sttSpec?.encoding === 'pcm16' && frame.wire.length !== frame.pcm.length * 2 ? pcmToL16(frame.pcm) : frame.wire);
    const events = (this.#detector as SpeechDetector).push(frame.pcm);
    for (const e of events) this.#onSpeech(e);
  }

  #capture(frame: InboundAudioFrame): void {
    if (this.#turnAudio !== undefined) {
      if (this.#turnAudioMs < MAX_TURN_AUDIO_MS) {
        this.#turnAudio.push(frame.pcm);
        this.#turnAudioMs += frame.durationMs;
      }
      return;
    }
    this.#preroll.push(frame.pcm);
    if (this.#preroll.length * frame.durationMs > PREROLL_MS + 400) this.#preroll.shift();
  }

  #onSpeech(e: SpeechEvent): void {
    const turns = this.#turns as TurnDetectorT;
    if (e.type === 'speech_start') {
      const at = this.#timeline.clockAt(e.startMs) ?? this.clock.now();
      this.#speechRunStartAudioMs = e.startMs;
      if (this.#turnAudio === undefined) {
        // keep ~PREROLL_MS of audio from before the detected start, plus what came after it
        const frameMs = 20;
        const keep = Math.ceil((e.atMs - e.startMs + PREROLL_MS) / frameMs);
        this.#turnAudio = this.#preroll.slice(-keep);
        this.#turnAudioMs = this.#turnAudio.length * frameMs;
        this.#preroll = [];
      }
      this.#idle?.activity();
      turns.speechStart(at);
      this.#events.emit('user_speech_start', { at });
      this.#maybeBargeIn(at);
      return;
    }
    const endAt = this.#timeline.speechEndAt(e.endMs, this.#speechRunStartAudioMs) ?? this.clock.now();
    this.#events.emit('user_speech_end', { at: endAt });
    turns.speechEnd(endAt);
  }

  async #sttLoop(stt: SttSession): Promise<void> {
    const turns = this.#turns as TurnDetectorT;
    try {
      for await (const ev of stt) {
        if (this.#state === 'ended') break;
        const now = this.clock.now();
        switch (ev.type) {
          case 'interim':
            turns.interim(ev.text);
            if (ev.text !== '') this.#events.emit('transcript', { text: ev.text, final: false });
            this.#wordsArrived(now);
            break;
          case 'final':
            if (ev.text !== '') this.#events.emit('transcript', { text: ev.text, final: true });
            turns.final(ev.text, ev.speechFinal, now);
            this.#wordsArrived(now);
            break;
          case 'utterance_end':
            turns.utteranceEnd(now);
            break;
          case 'speech_started':
            break;
          case 'reconnecting':
            this.log.warn({ attempt: ev.attempt, code: ev.error.code }, `STT reconnecting: ${ev.error.message}`);
            break;
          case 'reconnected':
            this.log.info({ replayedMs: ev.replayedMs }, 'STT reconnected; buffered audio replayed');
            break;
          case 'warning':
            this.#events.emit('error', { error: ev.error, stage: 'stt' });
            break;
          default: {
            const never: never = ev;
            this.log.warn({ ev: never }, 'unknown STT event');
          }
        }
      }
    } catch (e) {
      if (this.#state !== 'ended') this.#providerFailed(isCallwireError(e) ? e : new ProviderError('PROVIDER_DISCONNECTED', this.#cfg.stt?.name ?? 'stt', (e as Error).message, { cause: e }), 'stt');
    }
  }

  // ------------------------------------------------------------ turns

  #onTurn(t: DetectedTurn): void {
    const audio = this.#turnAudio ?? [];
    this.#turnAudio = undefined;
    this.#turnAudioMs = 0;
    if (this.#interruption !== undefined) this.#endInterruption(t.text !== '' || this.#stt === undefined);
    const index = ++this.#turnIndex;
    const rate = this.#info?.format.sampleRate ?? 8000;
    const total = audio.reduce((n, a) => n + a.length, 0);
    const pcm = new Int16Array(total);
    let o = 0;
    for (const a of audio) {
      pcm.set(a, o);
      o += a.length;
    }
    const turn = { index, text: t.text, sampleRate: rate, durationMs: Math.max(0, t.speechEndAt - t.speechStartAt) } as UserTurn;
    // Non-enumerable: logging or JSON-encoding a turn (or the user_turn event) must not dump
    // thousands of samples; `turn.audio` still reads it.
    Object.defineProperty(turn, 'audio', { value: pcm, enumerable: false });
    const ledger = new LatencyLedger(index);
    ledger.mark('speechEnd', t.speechEndAt);
    ledger.mark('endOfTurn', t.committedAt);
    if (t.sttFinalAt !== undefined) ledger.mark('sttFinal', t.sttFinalAt);
    this.log.info({ turn: index, text: t.text, reason: t.reason, durationMs: Math.round(turn.durationMs) }, 'user turn');
    this.#events.emit('user_turn', { turn, reason: t.reason });
    this.#runResponse(turn, ledger);
  }

  #runResponse(turn: UserTurn, ledger: LatencyLedger | undefined): void {
    this.#response?.abort();
    const abort = new AbortController();
    this.#response = abort;
    const onCallEnd = (): void => abort.abort();
    this.#callAbort.signal.addEventListener('abort', onCallEnd, { once: true });
    this.#setState('thinking');
    const spoken: Utterance[] = [];
    const reply: Reply = {
      signal: abort.signal,
      ledger,
      utterance: (opts) => {
        const u = this.utterance(opts);
        spoken.push(u);
        abort.signal.addEventListener('abort', () => u.abort(), { once: true });
        return u;
      },
      say: (text, opts) => {
        const u = this.say(text, opts);
        spoken.push(u);
        return u;
      },
    };
    if (ledger !== undefined) this.#detached(() => this.#reportLedger(ledger, turn.index), 'ledger');
    const failuresBefore = this.#failures;
    this.#detached(() => this.#responder
      .respond(turn, reply)
      .then(() => {
        if (this.#failures === failuresBefore && !abort.signal.aborted) this.#apologized = false;
      })
      .catch((e: unknown) => {
        if (abort.signal.aborted) return;
        this.#providerFailed(isCallwireError(e) ? e : new ProviderError('PROVIDER_PROTOCOL', 'responder', (e as Error).message, { cause: e }), 'llm');
      })
      .finally(() => {
        this.#callAbort.signal.removeEventListener('abort', onCallEnd);
        if (this.#response === abort) this.#response = undefined;
        if (this.#state === 'thinking' && this.#active.size === 0) this.#setState('listening');
        this.#detached(() => this.#reportReply(turn, spoken), 'reply');
      }), 'llm');
  }

  /** Once a reply's utterances have played or been cut: one `reply` event with what was said and heard. */
  async #reportReply(turn: UserTurn, spoken: readonly Utterance[]): Promise<void> {
    if (spoken.length === 0) return;
    // In the order the caller heard them (a filler before a tool round's answer), not created.
    const results = await Promise.all([...spoken].sort((a, b) => a.playOrder - b.playOrder).map((u) => u.done));
    const join = (pick: (r: UtteranceResult) => string): string => results.map(pick).filter((t) => t !== '').join(' ');
    const result: UtteranceResult = {
      status: results.some((r) => r.status === 'interrupted') ? 'interrupted' : 'played',
      text: join((r) => r.text),
      heard: join((r) => r.heard),
      unheard: join((r) => r.unheard),
    };
    this.#lastReply = { turn: turn.index, result };
    this.#events.emit('reply', { turn: turn.index, userText: turn.text, result });
  }

  async #reportLedger(ledger: LatencyLedger, turn: number): Promise<void> {
    await Promise.race([ledger.whenComplete, new Promise((r) => this.#response?.signal.addEventListener('abort', r, { once: true })), new Promise((r) => this.clock.setTimer(() => r(undefined), 30_000))]);
    const report = ledger.report(this.#budget);
    this.#lastLedger = report;
    const line = `turn ${turn} latency: ${describeLedger(report)}`;
    if (report.overruns.length > 0) this.log.warn({ turn, stages: report.stages, overruns: report.overruns }, line);
    else this.log.info({ turn, stages: report.stages }, line);
    this.#events.emit('ledger', report);
  }

  // ------------------------------------------------------------ barge-in

  #interruptible(): boolean {
    if (this.#cfg.bargeIn?.enabled === false || this.#active.size === 0) return false;
    for (const u of this.#active) if (u.uninterruptible) return false;
    return true;
  }

  #maybeBargeIn(at: number): void {
    if (!this.#interruptible()) return;
    const minWords = this.#stt === undefined ? 0 : (this.#cfg.bargeIn?.minWords ?? 0);
    if (minWords > 0 && (this.#turns as TurnDetectorT).words < minWords) return; // wait for words (checked on each transcript)
    this.#bargeIn(at);
  }

  #wordsArrived(now: number): void {
    const turns = this.#turns as TurnDetectorT;
    if (turns.words === 0) return;
    if (this.#interruption !== undefined) {
      this.#endInterruption(true);
      return;
    }
    const minWords = this.#cfg.bargeIn?.minWords ?? 0;
    if (minWords > 0 && turns.words >= minWords && turns.inTurn) this.#maybeBargeIn(now);
  }

  #bargeIn(at: number): void {
    const turn = this.#turnIndex;
    const interrupted = [...this.#active];
    const said = interrupted.map((u) => u.text).join(' ');
    this.call.player.clear();
    this.#response?.abort();
    for (const u of interrupted) u.abort();
    const interruption: Interruption = { turn, at };
    this.#interruption = interruption;
    this.log.info({ turn, said: said.slice(0, 200) }, 'barge-in: caller spoke over the bot; audio cleared');
    this.#detached(
      () =>
        Promise.all(interrupted.map((u) => u.done)).then((results) => {
          const heard = results.map((r) => r.heard).filter((h) => h !== '').join(' ');
          const unheard = results.map((r) => r.unheard).filter((h) => h !== '').join(' ');
          interruption.result = { status: 'interrupted', text: said, heard, unheard };
          this.#events.emit('barge_in', { turn, at, said, heard });
        }),
      'barge-in',
    );
    const windowMs = this.#cfg.bargeIn?.falseInterruptionMs ?? 1500;
    if (this.#stt !== undefined && windowMs > 0) {
      interruption.timer = this.clock.setTimer(() => this.#checkFalseInterruption(interruption), windowMs);
    } else this.#interruption = undefined;
  }

  #checkFalseInterruption(i: Interruption): void {
    if (this.#interruption !== i) return;
    const turns = this.#turns as TurnDetectorT;
    if (turns.words > 0) {
      this.#endInterruption(true);
      return;
    }
    if (this.#detector?.speaking) {
      // still making noise: look again shortly
      i.timer = this.clock.setTimer(() => this.#checkFalseInterruption(i), 250);
      return;
    }
    this.#interruption = undefined;
    turns.reset();
    this.#turnAudio = undefined;
    const rest = i.result?.unheard ?? '';
    this.log.info({ turn: i.turn, resumed: rest.slice(0, 200) }, 'false interruption (no words): resuming the cut reply');
    this.#events.emit('false_interruption', { turn: i.turn, resumed: rest });
    if (rest === '') return;
    const heardBefore = i.result?.heard ?? '';
    const u = this.say(rest, { label: `turn-${i.turn}-resumed` });
    this.#detached(
      () =>
        u.done.then((r) => {
          const full = [heardBefore, r.status === 'played' ? r.text : r.heard].filter((s) => s !== '').join(' ');
          if (this.#cfg.responder === undefined) this.context.replaceLastAssistant(full, r.status !== 'played');
        }),
      'barge-in',
    );
  }

  #endInterruption(real: boolean): void {
    const i = this.#interruption;
    if (i === undefined) return;
    if (i.timer !== undefined) this.clock.clearTimer(i.timer);
    this.#interruption = undefined;
    if (real) this.log.debug({ turn: i.turn }, 'interruption confirmed by the caller\'s words');
  }

  // ------------------------------------------------------------ dtmf

  async #onDtmf(digit: string): Promise<void> {
    if (this.#state === 'ended') return;
    if (!this.#ready) {
      // Before the agent is ready (or a peer sending keys before start) nothing can be said:
      // keep only the latest key, answered once ready (a menu answers the latest key anyway).
      if (this.#pendingDigit !== undefined) this.#sampledLog('warn', 'dtmf:early', { code: 'STREAM_NOT_STARTED' }, 'a DTMF key before the agent was ready was superseded by a later one');
      this.#pendingDigit = digit;
      return;
    }
    this.#idle?.activity();
    this.#events.emit('dtmf', { digit });
    if (this.#collector !== undefined && !this.#collector.settled && this.#collector.push(digit)) return;
    const reply: Reply = {
      signal: this.#callAbort.signal,
      ledger: undefined,
      utterance: (opts) => this.utterance(opts),
      say: (text, opts) => this.say(text, opts),
    };
    try {
      if (await this.#responder.onDtmf?.(digit, reply)) return;
    } catch (e) {
      this.#sampledLog('warn', 'dtmf:failed', { err: (e as Error)?.message }, 'DTMF handler failed');
      return;
    }
    if (this.#cfg.responder === undefined && (this.#cfg.dtmf?.toLlm ?? true) && this.#cfg.llm !== undefined) {
      this.#runResponse({ index: ++this.#turnIndex, text: `[The caller pressed ${digit} on the keypad]`, audio: new Int16Array(0), sampleRate: 8000, durationMs: 0 }, undefined);
    }
  }

  // ------------------------------------------------------------ plumbing

  #llmResponder(): Responder {
    const cfg = this.#cfg;
    const llm = cfg.llm;
    if (llm === undefined) {
      return { respond: async () => this.log.warn('no LLM and no responder configured: the agent cannot reply') };
    }
    const tools = [...(cfg.tools ?? []), ...(cfg.builtinTools === false ? [] : [hangupTool, transferTool, sendDtmfTool])];
    return new LlmResponder({
      llm,
      context: this.context,
      tools,
      clock: this.clock,
      fillers: cfg.fillers ?? {},
      temperature: cfg.temperature,
      maxTokens: cfg.maxTokens,
      toolContext: (signal) => this.#toolContext(signal),
      onMetric: this.#onMetric,
      onToolCall: (call, outcome, ms) => {
        this.log.info({ tool: call.name, ok: outcome.ok, ms: Math.round(ms) }, `tool ${call.name} ${outcome.ok ? 'ran' : 'failed'}`);
        this.#events.emit('tool_call', { name: call.name, arguments: call.arguments, ok: outcome.ok, result: outcome.content, ms });
      },
    });
  }

  /** Provider figures: a failover is logged and reported (metrics, store, alerts observe it). */
  readonly #onMetric = (m: ProviderMetric): void => {
    if (m.type !== 'failover') return;
    this.log.warn({ stage: m.kind, from: m.from, to: m.to, ms: Math.round(m.ms), code: m.error.code }, `${m.kind} failover: ${m.from} failed (${m.error.code}), the call moved to ${m.to}`);
    this.#events.emit('failover', { stage: m.kind, from: m.from, to: m.to, ms: m.ms, replayed: m.replayed, error: m.error });
  };

  #toolContext(signal: AbortSignal): ToolContext {
    return {
      signal,
      callId: this.#info?.callId ?? '',
      say: async (text) => {
        await this.say(text).done;
      },
      hangup: (reason) => this.hangup(reason),
      transfer: (to) => this.transfer(to),
      sendDtmf: (digits) => this.call.sendDtmf(digits),
      collectDigits: (options) => this.collectDigits(options),
    };
  }

  async #open<T>(stage: string, open: () => Promise<T>): Promise<T | undefined> {
    try {
      return await open();
    } catch (e) {
      const error = isCallwireError(e) ? e : new ProviderError('PROVIDER_UNAVAILABLE', stage, (e as Error).message, { cause: e });
      this.log.error({ code: error.code, stage }, `could not open ${stage}: ${error.message}`);
      this.#events.emit('error', { error, stage });
      return undefined;
    }
  }

  /**
   * Run `work` detached: whatever it throws or rejects with is reported on this call's error
   * path (sampled log, `error` event), never to the process.
   */
  #detached(work: () => unknown, stage: string): void {
    detach(work, (error) => this.#taskFailed(error, stage));
  }

  #taskFailed(error: CallwireError, stage: string): void {
    this.#sampledLog('error', `${stage}:${error.code}`, { code: error.code, stage }, `${stage} failed (this call only): ${error.message}`);
    this.#events.emit('error', { error, stage });
  }

  /**
   * An utterance failed. A full Player queue (STREAM_QUEUE_FULL) or this call's share of the
   * TTS queue (PROVIDER_QUEUE_FULL) is this call's own overload, not a provider outage: the
   * utterance ended, the line is sampled, no apology (it could not be played either).
   */
  #speechFailed(error: CallwireError, text: string): void {
    if (error.family === 'stream' || error.code === 'PROVIDER_QUEUE_FULL') {
      if (this.#state === 'ended') return; // a say() racing the hang-up: nothing to tell
      this.#sampledLog('warn', `speech:${error.code}`, { code: error.code, stage: 'tts', text: text.slice(0, 80) }, `an utterance was ended: ${error.message}`);
      this.#events.emit('error', { error, stage: 'tts' });
      return;
    }
    this.#providerFailed(error, 'tts', text);
  }

  /** Log the 1st, 10th, 100th, ... occurrence of `key` on this call, with its count. */
  #sampledLog(level: 'warn' | 'error', key: string, fields: Record<string, unknown>, msg: string): void {
    const n = this.#sampler.hit(key);
    if (n !== undefined) this.log[level]({ ...fields, count: n }, msg);
  }

  #providerFailed(error: CallwireError, stage: string, text?: string): void {
    this.#failures++;
    // Sampled per stage and code: a caller can make a provider fail again and again (a keypad
    // flood filling the shared flite queue), and each failure must not be a log line.
    this.#sampledLog('error', `failed:${stage}:${error.code}`, { code: error.code, stage, text: text?.slice(0, 80) }, `${stage} failed: ${error.message}`);
    this.#events.emit('error', { error, stage });
    // Once per outage. A TTS failure gets it too: the phrase was synthesized at start-up and
    // plays from the cache (were it not cached, its own failure lands here and is not repeated).
    if (!this.#apologized && this.#state !== 'ended') {
      this.#apologized = true;
      this.say(this.#cfg.apology ?? DEFAULT_APOLOGY, { cache: true, label: 'apology' });
    }
  }

  #setState(state: AgentState): void {
    if (this.#state === state || this.#state === 'ended') return;
    this.#state = state;
    this.#events.emit('state', { state });
  }

  #onEnd(): void {
    this.#setState('ended');
    this.#state = 'ended';
    this.#callAbort.abort();
    // Every utterance is cancelled, not only a reply's (the greeting, idle prompts): closing the
    // TTS session below ends their synthesis quietly, and only a cancelled one is known to be
    // partial, so the phrase cache does not keep it as the whole phrase.
    for (const u of this.#active) u.abort();
    this.#idle?.stop();
    this.#collector?.cancel();
    if (this.#interruption?.timer !== undefined) this.clock.clearTimer(this.#interruption.timer);
    this.#turns?.reset();
    this.#detector?.destroy();
    void this.#stt?.close().catch(() => {});
    void this.#tts?.close().catch(() => {});
    this.#pending = [];
  }

  /** The last reply (for the built-in agent and tests). */
  get lastReply(): { turn: number; result: UtteranceResult } | undefined {
    return this.#lastReply;
  }
}
