// Issue 15 item 8 (the stream half): a line a peer can cause again and again goes through the
// sampled logger. A peer that reads its socket slowly on and off starts a new "outbound audio
// backing up" episode each time; 50 episodes wrote 50 warnings.
import { describe, expect, it } from 'vitest';
import { tone } from '../../src/audio/generate.js';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/log/logger.js';
import { fakeCall } from '../support/fake-call.js';

describe('client-caused stream log lines are sampled', () => {
  it('50 back-pressure episodes: the 1st and 10th are logged (with the count), every one is still emitted', async () => {
    const lines: { msg?: string; count?: number }[] = [];
    const logger = createLogger({ level: 'silent', onLine: (l) => lines.push(l as never), tapLevel: 'warn' });
    const clock = new ManualClock(0);
    const c = fakeCall(clock, 'slow-reader', { logger });
    let degraded = 0;
    c.call.on('degraded', () => void degraded++);
    c.start();
    c.call.player.play({ pcm: tone(440, 60_000, 8000), sampleRate: 8000 });
    for (let i = 0; i < 50; i++) {
      c.socket.bufferedAmount = 10 * 1024 * 1024; // the peer stops reading
      await c.run(40);
      c.socket.bufferedAmount = 0; // and reads again
      await c.run(40);
    }
    expect(degraded).toBe(50);
    const backing = lines.filter((l) => /outbound audio backing up/.test(String(l.msg)));
    expect(backing.map((l) => l.count)).toEqual([1, 10]);
    c.call.close();
  });
});
