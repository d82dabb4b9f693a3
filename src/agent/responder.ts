/**
 * What produces the agent's replies. The session does the listening (VAD, STT, turn-taking,
 * barge-in, DTMF, idle) and hands each user turn to a Responder, which speaks through a
 * Reply. The LLM responder is the default; the built-in agent is another responder.
 */
import type { LatencyLedger } from './latency-ledger.js';
import type { Utterance, UtteranceOptions } from './speech-output.js';

/** A committed user turn. */
export interface UserTurn {
  readonly index: number;
  /** What the caller said ('' without an STT). */
  readonly text: string;
  /**
   * The caller's audio for the turn (PCM16 at `sampleRate`), with a little pre-roll. A
   * non-enumerable property of the session's turns, so logging a turn does not print it.
   */
  readonly audio: Int16Array;
  readonly sampleRate: number;
  /** From speech start to speech end, ms. */
  readonly durationMs: number;
}

/** How a responder speaks. */
export interface Reply {
  /** Aborted when the caller barges in or the call ends. */
  readonly signal: AbortSignal;
  /** The turn's latency ledger (the first utterance of the reply marks it). */
  readonly ledger: LatencyLedger | undefined;
  /** Start an utterance whose segments you add as text streams in. */
  utterance(options?: UtteranceOptions): Utterance;
  /** Say a complete text (cut into sentences). */
  say(text: string, options?: UtteranceOptions): Utterance;
}

/** Produces replies. */
export interface Responder {
  /** Reply to a user turn: queue speech through `reply` and resolve when the reply is decided. */
  respond(turn: UserTurn, reply: Reply): Promise<void>;
  /** A DTMF digit that no digit collection took; return true when handled. */
  onDtmf?(digit: string, reply: Reply): boolean | Promise<boolean>;
}
