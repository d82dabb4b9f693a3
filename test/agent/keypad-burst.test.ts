// Issue 15 item 1: a caller pressing keys must never take the server down. The built-in
// agent, end to end (emulator -> server -> agent with flite -> emulator).
import { afterEach, describe, expect, it } from 'vitest';
import { builtinAgent } from '../../src/agent/builtin.js';
import type { AgentSession } from '../../src/agent/session.js';
import { scaledClock } from '../../src/clock.js';
import { startCall } from '../../src/emulator/index.js';
import { Pacer } from '../../src/stream/pacer.js';
import { eventsOf } from '../support/emulator.js';
import { watchEscapes } from '../support/no-escape.js';
import { type TestServer, startServer } from '../support/server.js';

const escapes = watchEscapes();
let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

async function serve(speed: number, greeting?: string) {
  const sessions: AgentSession[] = [];
  const clock = scaledClock(speed);
  srv = await startServer({ agent: builtinAgent({ greeting, onSession: (s) => void sessions.push(s) }), clock, pacer: new Pacer(clock, 10) });
  return { sessions, answerUrl: `${srv.http}/plivo/answer` };
}

describe('a keypad burst on the built-in agent', () => {
  it('60 digits 50 ms apart: nothing escapes, the menu answers the latest key, and # hangs up at once', async () => {
    const speed = 4;
    const { sessions, answerUrl } = await serve(speed, 'Menu.');
    const call = await startCall({ answerUrl, speed });
    await call.waitForBotSpeech({ timeoutMs: 30_000 });
    const press = (digit: string): number => {
      call.pressDigit(digit);
      return eventsOf(call.timeline, 'dtmf_sent').at(-1)?.t as number;
    };
    let maxQueuedMs = 0;
    let burstEnd = 0;
    for (let i = 0; i < 60; i++) {
      burstEnd = press(String(4 + (i % 6)));
      await call.waitUntil(burstEnd + 50);
      maxQueuedMs = Math.max(maxQueuedMs, sessions[0]?.call.player.queuedMs ?? 0);
    }
    // On the old code the replies passed the Player's 120 s bound: STREAM_QUEUE_FULL escaped.
    escapes.assertNone();
    // A phone menu answers the latest key: what waits unsent stays about one reply long.
    expect(maxQueuedMs).toBeLessThan(15_000);
    await call.waitForBotSilence(800, { timeoutMs: 60_000 });
    // # interrupts whatever is playing (the tone here): cleared, then the call ends.
    press('3');
    const speaking = await call.waitForBotSpeech({ timeoutMs: 30_000 });
    await call.waitUntil(speaking + 1500);
    const session = sessions[0] as AgentSession;
    let framesAtHangup = Number.NaN;
    session.on('hangup', () => void (framesAtHangup = session.call.counters.framesOut));
    const pound = press('#');
    const report = await call.finished;
    expect(report.hangup.by).not.toBe('caller');
    // After the hang-up line only "Goodbye." plays (under a second: 50 frames), not the rest
    // of the tone and its sentence (over 4 s) as on the old code. Counted in frames, not time.
    expect(session.call.counters.framesOut - framesAtHangup).toBeLessThan(60);
    expect(eventsOf(report.timeline, 'clear_audio').some((e) => e.t >= pound)).toBe(true);
    escapes.assertNone();
  });
});
