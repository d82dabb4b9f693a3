import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../src/emulator/events.js';
import { CallMetrics } from '../../src/emulator/metrics.js';

// Drives CallMetrics tick by tick: each step is one 20 ms tick with the caller's frame
// ('s' speech, '.' silence, 'E' last speech frame of a step) and the heard frame
// ('L' loud audio, 'q' quiet audio, '-' buffer dry).
function run(caller: string, heard: string, speed = 1) {
  const events: CallEvent[] = [];
  const m = new CallMetrics((e) => events.push(e), { speed });
  const frame = 20 / speed;
  for (let i = 0; i < Math.max(caller.length, heard.length); i++) {
    const t = i * frame;
    const h = heard[i] ?? '-';
    m.heardFrame(t, h !== '-', h === 'L' ? 0 : -1);
    const c = caller[i] ?? '.';
    m.callerFrame(t, c === 's' || c === 'E', c === 'E');
  }
  return { events, report: m.report(), m };
}

describe('CallMetrics', () => {
  it('response latency: caller speech end -> first loud bot sample of the next turn', () => {
    const { report, events } = run('sssE..........', '--------LLLL--');
    expect(report.responseLatencyMs).toEqual([160 - 60]);
    expect(events.filter((e) => e.type === 'bot_audio').map((e) => (e.type === 'bot_audio' ? e.phase : ''))).toEqual(['start', 'stop']);
  });

  it('no response latency when the bot was already talking when the caller finished', () => {
    expect(run('ssE.......', '-LLLLLL---').report.responseLatencyMs).toEqual([]);
  });

  it('barge-in latency: caller speech over an established bot turn -> playout stops', () => {
    const { report } = run('......ssss....', 'LLLLLLLLLL----');
    expect(report.bargeInLatencyMs).toEqual([200 - 120]);
  });

  it('does not call an echo (bot starting after the caller) a barge-in', () => {
    expect(run('sssssss.......', '..LLLLLLLL----').report.bargeInLatencyMs).toEqual([]);
  });

  it('counts a dry spell of more than one frame inside a bot turn as a gap, not a single frame', () => {
    const { report } = run('', 'LLL-LLL---LLL--');
    expect(report.gapsMs).toEqual([60]);
  });

  it('ends the bot turn after a long dry spell or when the caller speaks (no gap)', () => {
    const long = `LLL${'-'.repeat(80)}LLL`;
    expect(run('', long).report.gapsMs).toEqual([]);
    expect(run('.....s', 'LLL------LL').report.gapsMs).toEqual([]);
  });

  it('scales frame-based thresholds with speed', () => {
    const { report } = run('', 'LLL-LLL--LL', 4);
    expect(report.gapsMs).toEqual([10]);
  });

  it('pacing lead: audio received minus audio time elapsed in the burst', () => {
    const m = new CallMetrics(() => {}, { speed: 1 });
    m.playAudio(0, 100);
    m.playAudio(50, 100);
    m.playAudio(500, 20);
    expect(m.report().leadMs).toEqual([100, 150, -280]);
    expect(m.report().jitterMs).toEqual([50, 430]);
    m.cleared();
    m.playAudio(600, 40);
    expect(m.report().leadMs.at(-1)).toBe(40);
  });
});
