/**
 * A bot that hears itself: with audioTrack="outbound" or "both" the stream carries what the
 * caller hears, the bot's own voice included, and a bot that feeds every track to its speech
 * detector takes itself for the caller: it stops its own audio (clearAudio) and answers
 * nobody. The signs on the call: the bot's audio is cleared while the caller said nothing
 * during that bot turn (a real barge-in always has caller speech overlapping the turn it
 * cuts); and, with the outbound track streamed, a new bot turn soon after the last one
 * before the caller has spoken (it answered itself). Pure.
 */
import type { CallEvent } from '../emulator/events.js';
import type { CallReport } from '../emulator/report.js';

// A bot answering its own turn does so within a few seconds of it (idle prompts, "are you
// still there?", come later). Pauses under 300 ms do not end a turn (the emulator's quiet
// threshold); a longer pause between two sentences of one greeting does, and on a stream
// with the outbound track it would read as the bot answering itself: such a stream already
// fails xml.audio-track, so the risk is a second name for a server that is wrong anyway.
const SELF_REPLY_WITHIN_MS = 3000;
const SELF_REPLY_AFTER_MS = 300;
// Bot silence that ends a turn, whether the bot sent silence or nothing at all.
const TURN_GAP_MS = 300;

/** Bot turns the server cut short itself, with no caller speech during them. */
export interface SelfInterruptions {
  /** When each cut happened (call ms). */
  readonly at: readonly number[];
  /**
   * With the outbound track streamed: bot turns that began within a few seconds of the bot's
   * previous turn ending, before the caller had said anything (it answered itself).
   */
  readonly answeredItself: readonly number[];
  /** Whether the stream carried the outbound track (what the caller hears). */
  readonly hearsOutbound: boolean;
}

/** Find self-interruptions on a call's timeline. */
export function selfInterruptions(report: CallReport): SelfInterruptions {
  const timeline: readonly CallEvent[] = report.timeline;
  const speech: [number, number][] = [];
  for (const e of timeline) {
    if (e.type !== 'caller_speech') continue;
    if (e.phase === 'start') speech.push([e.t, Number.POSITIVE_INFINITY]);
    else if (speech.length > 0) (speech[speech.length - 1] as [number, number])[1] = e.t;
  }
  const at: number[] = [];
  const answeredItself: number[] = [];
  const hearsOutbound = timeline.some((e) => e.type === 'start_sent' && e.tracks.includes('outbound'));
  const callerFirst = speech[0]?.[0] ?? Number.POSITIVE_INFINITY;
  let turnStart: number | undefined;
  let lastEnd: number | undefined;
  // The bot's audio stopped here (Plivo's buffer ran dry, or it fell quiet) and has not resumed.
  let lastStop: number | undefined;
  // A stop followed by at least TURN_GAP_MS without bot audio ends the turn.
  const endsTurn = (t: number): boolean => lastStop !== undefined && t - lastStop >= TURN_GAP_MS;
  for (const e of timeline) {
    if (e.type === 'bot_audio' && e.phase === 'start') {
      if (turnStart !== undefined && endsTurn(e.t)) {
        lastEnd = lastStop;
        turnStart = undefined;
      }
      if (turnStart === undefined) {
        const gap = lastEnd === undefined ? undefined : e.t - lastEnd;
        if (hearsOutbound && gap !== undefined && e.t < callerFirst && gap >= SELF_REPLY_AFTER_MS && gap <= SELF_REPLY_WITHIN_MS) answeredItself.push(e.t);
        turnStart = e.t;
      }
      lastStop = undefined;
    } else if (e.type === 'bot_audio' && e.reason !== 'cleared') {
      lastStop ??= e.t;
    } else if (e.type === 'clear_audio' || (e.type === 'bot_audio' && e.reason === 'cleared')) {
      // A clear during a bot turn cuts it (even when Plivo's buffer happened to be empty for a
      // moment); after the turn has ended it cuts nothing.
      const from = turnStart;
      if (from !== undefined && !endsTurn(e.t) && !speech.some(([s, end]) => s <= e.t && end >= from)) at.push(e.t);
      if (from !== undefined) lastEnd = endsTurn(e.t) ? lastStop : e.t;
      turnStart = undefined;
      lastStop = undefined;
    }
  }
  return { at, answeredItself, hearsOutbound };
}
