import { describe, expect, it } from 'vitest';
import { silence, tone } from '../../src/audio/generate.js';
import { concatPcm } from '../../src/audio/pcm.js';
import { systemClock } from '../../src/clock.js';
import { EnergyDetector, type EnergyEvent, syntheticSpeech } from '../../src/testing/index.js';
import { Timeline } from '../../src/testing/fakes/timeline.js';

const spans = (events: EnergyEvent[]) => events.flatMap((e) => (e.type === 'frame' ? [] : [[e.type, e.atMs]]));

describe('EnergyDetector (the fake recogniser)', () => {
  it('finds a tone between silences with 10 ms precision, ending after the endpointing silence', () => {
    const d = new EnergyDetector(8000, { endSilenceMs: 300 });
    const events = d.push(concatPcm([silence(500, 8000), tone(440, 1000, 8000, { amplitude: 0.3 }), silence(600, 8000)]));
    expect(spans(events)).toEqual([
      ['start', 500],
      ['end', 1500],
    ]);
  });

  it('keeps word gaps shorter than the endpointing silence inside one utterance, over low noise', () => {
    const d = new EnergyDetector(16000, { endSilenceMs: 300 });
    let seed = 7;
    const noise = Int16Array.from({ length: 16000 * 3 }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 200) - 100);
    const speech = syntheticSpeech('one two three', 16000).pcm;
    const signal = noise.slice();
    signal.set(speech.map((s, i) => s + (noise[8000 + i] as number)), 8000);
    expect(spans(d.push(signal)).map((s) => s[0])).toEqual(['start', 'end']);
  });
});

describe('Timeline (fake scheduling)', () => {
  it('runs steps in due order even when the event loop was blocked past several of them', async () => {
    // Plain Node timers get this wrong: a timer joining an older list of the same duration
    // runs with that list, before an earlier-due timer of a shorter duration.
    const t = new Timeline(systemClock());
    const order: string[] = [];
    t.at(10, () => order.push('a'));
    await new Promise((r) => setTimeout(r, 4));
    t.at(10, () => order.push('late'));
    t.at(8, () => order.push('early'));
    const until = performance.now() + 30;
    while (performance.now() < until) {
      // Block the loop so every step is overdue at once.
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['a', 'early', 'late']);
  });

  it('cancel drops every pending step', async () => {
    const t = new Timeline(systemClock());
    let ran = 0;
    t.at(5, () => ran++);
    t.cancel();
    t.at(1, () => ran++);
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toBe(0);
  });
});
