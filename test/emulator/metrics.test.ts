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
  it("the emulator's own stall is not the server's: no gaps and no negative lead when the server sent continuously", () => {
    // The server sends 20 ms every 20 ms, 200 ms ahead. The emulator's event loop stalls from
    // 300 to 800 ms: the missed ticks run back to back at 800 (timers before I/O), then the
    // 25 messages queued in the socket are read at 800.
    const m = new CallMetrics(() => {}, { speed: 1 });
    let buffered = 0;
    const send = (t: number, ms: number) => {
      m.playAudio(t, ms);
      buffered += ms;
    };
    const tick = (t: number, now: number) => {
      const had = buffered > 0;
      if (had) buffered -= 20;
      m.heardFrame(t, had, had ? 0 : -1, now - t);
    };
    send(0, 200);
    for (let t = 0; t < 1500; t += 20) {
      if (t >= 300 && t < 800) continue;
      if (t === 800) {
        for (let d = 300; d < 800; d += 20) tick(d, 800);
        for (let s = 300; s <= 800; s += 20) send(800, 20);
      } else if (t > 0) send(t, 20);
      tick(t, t);
    }
    const r = m.report();
    // The old accounting: 1 gap of 320 ms and a lead down to -300 ms.
    expect(r.gapsMs).toEqual([]);
    expect(Math.min(...r.leadMs)).toBeGreaterThanOrEqual(0);
  });

  it('a server that really falls behind still shows its gap and negative lead', () => {
    const m = new CallMetrics(() => {}, { speed: 1 });
    m.playAudio(0, 100);
    for (let t = 0; t < 100; t += 20) m.heardFrame(t, true, 0);
    for (let t = 100; t < 400; t += 20) m.heardFrame(t, false, -1);
    m.playAudio(400, 100);
    for (let t = 400; t < 500; t += 20) m.heardFrame(t, true, 0);
    expect(m.report().gapsMs).toEqual([300]);
    expect(m.report().leadMs.at(-1)).toBe(-200);
  });
});
