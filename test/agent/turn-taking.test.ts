// The listening policies on a manual clock: turn detection, digit collection and idle prompts.
import { describe, expect, it } from 'vitest';
import { DigitCollector } from '../../src/agent/digits.js';
import { IdleMonitor } from '../../src/agent/idle.js';
import { type DetectedTurn, TurnDetector } from '../../src/agent/turn-detector.js';
import { ManualClock } from '../../src/clock.js';

describe('TurnDetector', () => {
  function setup(withStt: boolean) {
    const clock = new ManualClock(0);
    const turns: DetectedTurn[] = [];
    const discarded: string[] = [];
    const d = new TurnDetector(clock, { withStt, maxEndpointingMs: 1500 }, (t) => turns.push(t), (r) => discarded.push(r));
    return { clock, d, turns, discarded };
  }

  it('without an STT, ends the turn at VAD speech end', () => {
    const { d, turns } = setup(false);
    d.speechStart(100);
    d.speechEnd(900);
    expect(turns).toMatchObject([{ text: '', speechStartAt: 100, speechEndAt: 900, reason: 'vad' }]);
  });

  it('with an STT, waits for the final after speech end, then commits', () => {
    const { clock, d, turns } = setup(true);
    d.speechStart(0);
    d.interim('book a');
    clock.advance(1300);
    d.speechEnd(900);
    expect(turns).toHaveLength(0);
    clock.advance(100);
    d.final('book a table', true, clock.now());
    expect(turns).toMatchObject([{ text: 'book a table', reason: 'final', sttFinalAt: 1400, speechEndAt: 900 }]);
  });

  it('commits at once when the final already arrived before the VAD decided', () => {
    const { d, turns } = setup(true);
    d.speechStart(0);
    d.final('yes', false, 500);
    d.speechEnd(450);
    expect(turns).toMatchObject([{ text: 'yes', reason: 'final' }]);
  });

  it('commits with the interim after the max endpointing delay, and discards a word-less turn', () => {
    const { clock, d, turns, discarded } = setup(true);
    d.speechStart(0);
    d.interim('maybe tomorrow');
    clock.advance(1000);
    d.speechEnd(1000);
    clock.advance(1499);
    expect(turns).toHaveLength(0);
    clock.advance(1);
    expect(turns).toMatchObject([{ text: 'maybe tomorrow', reason: 'max_delay' }]);
    d.speechStart(clock.now());
    clock.advance(300);
    d.speechEnd(clock.now());
    clock.advance(1500);
    expect(discarded).toHaveLength(1);
    expect(turns).toHaveLength(1);
  });

  it('speech that resumes before the commit continues the same turn', () => {
    const { clock, d, turns } = setup(true);
    d.speechStart(0);
    d.final('I would like', false, 500);
    clock.advance(800);
    d.speechStart(800); // resumed before VAD end
    d.final('to book a table', true, 1500);
    clock.advance(900);
    d.speechEnd(1600);
    expect(turns).toMatchObject([{ text: 'I would like to book a table', speechStartAt: 0 }]);
  });
});

describe('DigitCollector', () => {
  it('stops at max, at the terminator, or on timeout', async () => {
    const clock = new ManualClock();
    const a = new DigitCollector(clock, { max: 3 });
    for (const d of '1234') a.push(d);
    await expect(a.done).resolves.toEqual({ digits: '123', reason: 'max' });
    const b = new DigitCollector(clock, { terminator: '#' });
    for (const d of '42#') b.push(d);
    await expect(b.done).resolves.toEqual({ digits: '42', reason: 'terminator' });
    const c = new DigitCollector(clock, { timeoutMs: 5000, interDigitTimeoutMs: 2000 });
    clock.advance(1000);
    c.push('7');
    clock.advance(1999);
    expect(c.settled).toBe(false);
    clock.advance(1);
    await expect(c.done).resolves.toEqual({ digits: '7', reason: 'timeout' });
    expect(c.push('8')).toBe(false);
  });
});

describe('IdleMonitor', () => {
  it('prompts after silence, hangs up after max prompts, resets on activity, pauses while the bot speaks', () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const m = new IdleMonitor(clock, { afterMs: 1000, maxPrompts: 2 }, (n) => log.push(`prompt ${n}`), () => log.push('hangup'));
    m.activity();
    clock.advance(999);
    expect(log).toEqual([]);
    clock.advance(1);
    expect(log).toEqual(['prompt 1']);
    m.pause(); // the prompt is being spoken
    clock.advance(5000);
    expect(log).toEqual(['prompt 1']);
    m.resume();
    clock.advance(1000);
    expect(log).toEqual(['prompt 1', 'prompt 2']);
    m.activity(); // the caller answered
    clock.advance(1000);
    expect(log).toEqual(['prompt 1', 'prompt 2', 'prompt 1']);
    clock.advance(1000);
    clock.advance(1000);
    expect(log).toEqual(['prompt 1', 'prompt 2', 'prompt 1', 'prompt 2', 'hangup']);
  });
});
