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

describe('FrameTicker phases', () => {
  it('spreads subscribers evenly over the period; each still ticks once per period, on its own phase', () => {
    const clock = new ManualClock();
    const ticker = new FrameTicker(clock, 20, { phases: 4 });
    const times: number[][] = [[], [], [], [], []];
    for (const list of times) ticker.subscribe((t) => list.push(t));
    clock.advance(60);
    // Least-used phase first: offsets 0, 5, 10, 15, then 0 again.
    expect(times).toEqual([
      [20, 40, 60],
      [25, 45],
      [30, 50],
      [35, 55],
      [20, 40, 60],
    ]);
    expect(ticker.stats().ticks).toBe(2);
  });

  it('refills the least-used phase when a subscriber leaves', () => {
    const clock = new ManualClock();
    const ticker = new FrameTicker(clock, 20, { phases: 2 });
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    ticker.subscribe((t) => a.push(t));
    const offB = ticker.subscribe((t) => b.push(t));
    clock.advance(20);
    offB();
    offB(); // idempotent: the count of subscribers stays right
    expect(ticker.size).toBe(1);
    ticker.subscribe((t) => c.push(t));
    clock.advance(40);
    expect(a).toEqual([20, 40, 60]);
    expect(b).toEqual([]);
    expect(c).toEqual([30, 50]); // joined the idle phase, on its next slot
  });

  it('keeps the schedule through a stall with phases: every missed slot runs with its own time', () => {
    const s = stallingClock();
    const ticker = new FrameTicker(s.clock, 20, { phases: 2 });
    const a: number[] = [];
    const b: number[] = [];
    ticker.subscribe((t) => a.push(t));
    ticker.subscribe((t) => b.push(t));
    s.fireLate(0); // 20: a
    s.fireLate(25); // due 30, runs at 55: slots 30 (b), 40 (a), 50 (b) run now
    s.fireLate(0); // 60: a
    expect(a).toEqual([20, 40, 60]);
    expect(b).toEqual([30, 50]);
    expect(ticker.stats().maxLateMs).toBe(25);
    expect(ticker.stats().skipped).toBe(0);
  });
});
