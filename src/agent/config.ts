/** What `defineAgent` accepts. Every timing is in ms and has a phone-tuned default. */
import type { LlmProvider, SttProvider, TtsProvider, VadProvider } from '../providers/types.js';
import type { IdleOptions } from './idle.js';
import type { LatencyBudget } from '../latency-budget.js';
import type { Tool } from './tools.js';

/** Turn-taking. */
export interface TurnOptions {
  /** Caller silence before a turn may end (the VAD's minimum silence), ms. Default 400. */
  readonly minEndpointingMs?: number;
  /** Longest wait for the STT's final after speech ends, ms. Default 1500. */
  readonly maxEndpointingMs?: number;
}

/** Barge-in: the caller speaking over the bot. */
export interface BargeInOptions {
  /** Default true. */
  readonly enabled?: boolean;
  /** Caller speech needed to interrupt, ms (the VAD's minimum speech). Default 200. */
  readonly minSpeechMs?: number;
  /** Words the STT must have heard as well, when an STT is configured. Default 0. */
  readonly minWords?: number;
  /** An interruption that brings no words within this window was noise: the cut reply resumes. Default 1500; 0 disables. */
  readonly falseInterruptionMs?: number;
}

/** Filler phrases while slow tools (or a slow LLM) run. */
export interface FillerOptions {
  /** Speak a filler when tools take longer than this, ms. Default 800. */
  readonly afterMs?: number;
  /** Used when a tool has no filler of its own, and for a slow reply. */
  readonly phrase?: string;
  /**
   * Speak the filler once when the LLM has not started its reply this long after the turn,
   * ms: a stalled or retrying model leaves no dead air. Default 2500; false disables.
   */
  readonly slowReplyMs?: number | false;
}

/** DTMF handling. */
export interface DtmfOptions {
  /** Pass key presses nobody collected to the LLM as text. Default true. */
  readonly toLlm?: boolean;
}

/** A greeting spoken when the call starts. */
export type Greeting = string | { readonly text: string; readonly uninterruptible?: boolean };

/**
 * Everything an agent is made of but the two hooks that receive its session (those are in
 * {@link AgentConfig}, next to the session, so this file and the session do not import each other).
 */
export interface AgentSettings {
  /** The system prompt. */
  readonly instructions?: string;
  readonly greeting?: Greeting;
  readonly stt?: SttProvider;
  readonly llm?: LlmProvider;
  readonly tts?: TtsProvider;
  /** Default: the WebRTC VAD. */
  readonly vad?: VadProvider;
  readonly tools?: readonly Tool[];
  /** Add the built-in hangup, transfer and send_dtmf tools (default true). */
  readonly builtinTools?: boolean;
  readonly turn?: TurnOptions;
  readonly bargeIn?: BargeInOptions;
  /** Idle prompts and hang-up; false disables. */
  readonly idle?: IdleOptions | false;
  readonly dtmf?: DtmfOptions;
  readonly fillers?: FillerOptions;
  readonly language?: string;
  readonly voice?: string;
  /** Per-stage latency budget (default: the guide's STT 200, LLM 500, TTS 200, network 100 ms). */
  readonly budget?: Partial<LatencyBudget>;
  /** Spoken when a provider fails mid-call (once per outage; synthesized at start-up, so it plays even when the TTS is down). */
  readonly apology?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  /**
   * When a stream drops abnormally and Plivo reconnects the same call within this window, the
   * conversation resumes with its context instead of starting over (Plivo retries a dropped
   * stream twice). Milliseconds; default 60 s; 0 disables.
   */
  readonly resumeWindowMs?: number;
  /** Said when a dropped call is resumed (default: nothing; the conversation just continues). */
  readonly resumePhrase?: string;
}
