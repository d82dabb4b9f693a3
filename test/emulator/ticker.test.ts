import { describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../src/clock.js';
import { FrameTicker } from '../../src/emulator/ticker.js';

/** A clock whose timers run only when the test says, at whatever "now" the test sets. */
function stallingClock() {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    setTimer(fn, ms) {
      timers.push({ at: now + Math.max(0, ms), fn });
      return { id: timers.length };
    },
    clearTimer() {},
  };
  return {
    clock,
    /** Run the next timer `lateMs` after it was due. */
    fireLate(lateMs: number) {
      const t = timers.shift();
      if (t === undefined) throw new Error('no timer');
      now = t.at + lateMs;
      t.fn();
    },
  };
}

describe('FrameTicker', () => {
  it('ticks every period on a fixed schedule and stops with no subscribers', () => {
    const clock = new ManualClock();
    const ticker = new FrameTicker(clock, 20);
    const times: number[] = [];
    const off = ticker.subscribe((t) => times.push(t));
    clock.advance(100);
    expect(times).toEqual([20, 40, 60, 80, 100]);
    off();
    expect(clock.pending).toBe(0);
    clock.advance(100);
    expect(times.length).toBe(5);
  });

  it('runs missed ticks with their scheduled times after a stall: no drift', () => {
    const s = stallingClock();
    const ticker = new FrameTicker(s.clock, 20);
    const times: number[] = [];
    ticker.subscribe((t) => times.push(t));
    s.fireLate(0);
    s.fireLate(45); // due at 40, runs at 85: ticks 40, 60, 80 run now
    s.fireLate(3); // next due at 100
    expect(times).toEqual([20, 40, 60, 80, 100]);
    expect(ticker.stats().skipped).toBe(0);
    expect(ticker.stats().maxLateMs).toBe(45);
  });

  it('skips ticks (and counts them) when a stall exceeds the catch-up limit', () => {
    const s = stallingClock();
    const ticker = new FrameTicker(s.clock, 20, { maxCatchUp: 3 });
    const times: number[] = [];
    ticker.subscribe((t) => times.push(t));
    s.fireLate(100); // due 20, now 120: 20..120 are due, only 3 run
    expect(times).toEqual([20, 40, 60]);
    expect(ticker.stats().skipped).toBe(3);
    s.fireLate(0);
    expect(times.at(-1)).toBe(140);
  });

  it('shares one timer among many subscribers and survives a failing one', () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    const ticker = new FrameTicker(clock, 2, { onError: (e) => errors.push(e) });
    const counts = [0, 0, 0];
    ticker.subscribe(() => {
      throw new Error('boom');
    });
    for (let i = 0; i < counts.length; i++) ticker.subscribe(() => void counts[i]!++);
    expect(clock.pending).toBe(1);
    clock.advance(10);
    expect(counts).toEqual([5, 5, 5]);
    expect(errors.length).toBe(5);
  });
});
