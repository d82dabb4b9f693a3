import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../src/clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock timers', () => {
  it('a delay past 2^31-1 ms, Infinity or NaN does not fire at once (Node would fire it after 1 ms)', async () => {
    const clock = systemClock();
    const fired: string[] = [];
    const long = clock.setTimer(() => fired.push('long'), 2 ** 31 + 5);
    clock.setTimer(() => fired.push('infinite'), Number.POSITIVE_INFINITY);
    clock.setTimer(() => fired.push('nan'), Number.NaN);
    clock.setTimer(() => fired.push('short'), 10);
    await new Promise((r) => setTimeout(r, 60));
    expect(fired).toEqual(['short']);
    clock.clearTimer(long);
  });

  it('a 30-day timer fires after 30 days, not before, and can be cleared between its steps', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const clock = systemClock();
    const day = 86_400_000;
    let fired = 0;
    clock.setTimer(() => fired++, 30 * day);
    const cleared = clock.setTimer(() => fired++, 30 * day);
    vi.advanceTimersByTime(26 * day);
    clock.clearTimer(cleared);
    vi.advanceTimersByTime(4 * day - 1);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(60 * day);
    expect(fired).toBe(1);
  });
});
