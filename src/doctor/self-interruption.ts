/**
 * A bot that hears itself: with audioTrack="outbound" or "both" the stream carries what the
 * caller hears, the bot's own voice included, and a bot that feeds every track to its speech
 * detector takes itself for the caller: it stops its own audio (clearAudio) and answers
 * nobody. The sign on the call: the bot's audio is cleared while the caller said nothing
 * during that bot turn. A real barge-in always has caller speech overlapping the turn it
 * cuts. Pure.
 */
import type { CallEvent } from '../emulator/events.js';
import type { CallReport } from '../emulator/report.js';

/** Bot turns the server cut short itself, with no caller speech during them. */
export interface SelfInterruptions {
  /** When each cut happened (call ms). */
  readonly at: readonly number[];
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
  let turnStart: number | undefined;
  for (const e of timeline) {
    if (e.type === 'bot_audio' && e.phase === 'start') turnStart ??= e.t;
    // 'drained' is a gap between frames inside one turn; 'quiet' ends the turn.
    else if (e.type === 'bot_audio' && e.reason === 'quiet') turnStart = undefined;
    else if (e.type === 'clear_audio' || (e.type === 'bot_audio' && e.reason === 'cleared')) {
      // A clear during a bot turn cuts it (even when Plivo's buffer happened to be empty).
      const from = turnStart;
      if (from !== undefined && !speech.some(([s, end]) => s <= e.t && end >= from)) at.push(e.t);
      turnStart = undefined;
    }
  }
  const hearsOutbound = timeline.some((e) => e.type === 'start_sent' && e.tracks.includes('outbound'));
  return { at, hearsOutbound };
}
