/**
 * A greeting later than the doctor waits for it. The call probe waits `greetingWaitMs` for
 * the server to speak first, then the caller talks; a greeting that comes after that plays
 * over the caller's first words (or, later still, looks like an answer). The idle probe tells
 * the two apart: it sends `start` and nothing else, so audible audio on it is the server
 * speaking unprompted. Pure.
 */
import type { CallEvent } from '../emulator/events.js';
import type { CallProbeResult } from './call-probe.js';

/** A greeting that came after the doctor stopped waiting for one. */
export interface LateGreeting {
  /** First bot audio on the call, ms after `start`. */
  readonly afterStartMs: number;
  /** When the idle stream got audible playAudio unprompted (ms after it opened). */
  readonly unpromptedMs: number;
  /**
   * Set when the greeting and the caller's first words overlapped: the greeting's start minus
   * the caller's (ms; negative when the caller began speaking into the greeting).
   */
  readonly overCallerMs: number | undefined;
}

/** The late greeting on this call, if the server greets but did not within the wait. */
export function lateGreeting(call: CallProbeResult | undefined, unpromptedMs: number | undefined): LateGreeting | undefined {
  if (call === undefined || !call.connected || call.greeted || unpromptedMs === undefined) return undefined;
  const timeline: readonly CallEvent[] = call.report.timeline;
  const start = timeline.find((e) => e.type === 'start_sent');
  const first = timeline.find((e) => e.type === 'bot_audio' && e.phase === 'start');
  if (start === undefined || first === undefined) return undefined;
  const spoke = timeline.find((e) => e.type === 'caller_speech' && e.phase === 'start');
  const ended = timeline.find((e) => e.type === 'caller_speech' && e.phase === 'end');
  // The greeting lasts until the bot falls quiet or is cleared (a 'drained' stop is a gap between frames).
  const over = timeline.find((e) => e.type === 'bot_audio' && e.phase === 'stop' && e.reason !== 'drained' && e.t > first.t);
  const collided = spoke !== undefined && first.t <= (ended?.t ?? Number.POSITIVE_INFINITY) && spoke.t <= (over?.t ?? Number.POSITIVE_INFINITY);
  return { afterStartMs: first.t - start.t, unpromptedMs, overCallerMs: collided ? first.t - (spoke as CallEvent).t : undefined };
}

/** The words for it, shared by audio.first and latency.first-audio. */
export function describeLateGreeting(late: LateGreeting, waitedMs: number): string {
  const ms = late.overCallerMs;
  const collided =
    ms === undefined
      ? ''
      : ms >= 0
        ? `; it began ${Math.round(ms)} ms into the caller's first words and played over the caller`
        : `; the caller began speaking ${Math.round(-ms)} ms into it: it played over the caller`;
  return `a late greeting: the doctor waited ${(waitedMs / 1000).toFixed(1)} s for it, then spoke (an idle stream got the server's audio ${Math.round(late.unpromptedMs)} ms after start, with no one speaking)${collided}`;
}
