// The self-interruption rule on hand-made timelines: a clear that cuts a bot turn with no
// caller speech during it is the bot hearing itself; a real barge-in always has caller
// speech overlapping the turn it cuts.
import { describe, expect, it } from 'vitest';
import { selfInterruptions } from '../../src/doctor/self-interruption.js';
import type { CallEvent } from '../../src/emulator/events.js';
import type { CallReport } from '../../src/emulator/report.js';

const start: CallEvent = { type: 'start_sent', t: 0, streamId: 's', format: 'mulaw/8000', tracks: ['inbound'] };
const report = (...timeline: CallEvent[]): CallReport => ({ timeline: [start, ...timeline] }) as unknown as CallReport;
const bot = (t: number): CallEvent => ({ type: 'bot_audio', t, phase: 'start' });
const stop = (t: number, reason: 'drained' | 'cleared' | 'quiet'): CallEvent => ({ type: 'bot_audio', t, phase: 'stop', reason });
const clear = (t: number): CallEvent => ({ type: 'clear_audio', t, streamId: 's', droppedMs: 0, droppedCheckpoints: [] });
const said = (t: number, phase: 'start' | 'end'): CallEvent => ({ type: 'caller_speech', t, phase, label: 'say' });

describe('selfInterruptions', () => {
  it('a real barge-in (the caller talks over the bot) is not one', () => {
    expect(selfInterruptions(report(bot(100), said(900, 'start'), clear(1200), stop(1220, 'cleared'), said(2000, 'end'))).at).toEqual([]);
    // The caller finished just before the bot's VAD decided: still their speech during the turn.
    expect(selfInterruptions(report(bot(100), said(900, 'start'), said(1500, 'end'), clear(1900))).at).toEqual([]);
  });

  it('a greeting cut with no caller speech, and an answer cut after the caller finished, are', () => {
    const r = report(bot(100), stop(400, 'drained'), clear(480), stop(500, 'cleared'), said(2000, 'start'), said(3000, 'end'), bot(3800), clear(4100));
    expect(selfInterruptions(r).at).toEqual([480, 4100]);
  });

  it('with the outbound track streamed, a new turn right after its own, before the caller spoke, is answering itself', () => {
    const both: CallEvent = { ...start, tracks: ['inbound', 'outbound'] } as CallEvent;
    const r = (...timeline: CallEvent[]): CallReport => ({ timeline: [both, ...timeline] }) as unknown as CallReport;
    expect(selfInterruptions(r(bot(100), stop(2000, 'quiet'), bot(2600), stop(3500, 'quiet'), said(4000, 'start'))).answeredItself).toEqual([2600]);
    // An idle prompt long after, a reply after the caller spoke, and inbound-only streams are not.
    expect(selfInterruptions(r(bot(100), stop(2000, 'quiet'), bot(9000), stop(9500, 'quiet'))).answeredItself).toEqual([]);
    expect(selfInterruptions(r(bot(100), stop(2000, 'quiet'), said(2100, 'start'), said(2900, 'end'), bot(3300))).answeredItself).toEqual([]);
    expect(selfInterruptions(report(bot(100), stop(2000, 'quiet'), bot(2600))).answeredItself).toEqual([]);
    // A bot that sends nothing between turns: its buffer runs dry ('drained') and stays so.
    expect(selfInterruptions(r(bot(100), stop(2000, 'drained'), bot(2500), stop(3000, 'drained'), said(3400, 'start'))).answeredItself).toEqual([2500]);
    // A pause shorter than a turn end (300 ms) is not a reply.
    expect(selfInterruptions(r(bot(100), stop(2000, 'quiet'), bot(2250), stop(3500, 'quiet'))).answeredItself).toEqual([]);
  });

  it('a clear when the bot is not talking, or after its turn ended, cuts nothing', () => {
    expect(selfInterruptions(report(clear(50), bot(100), stop(900, 'quiet'), clear(1500))).at).toEqual([]);
    expect(selfInterruptions(report(bot(100), stop(900, 'drained'), clear(1500))).at).toEqual([]);
  });
});
