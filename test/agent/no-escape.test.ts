// Issue 15 item 1, the mechanism: nothing an utterance or a detached agent task throws may
// reach the process. A Player queue that is full (STREAM_QUEUE_FULL) ends that utterance with
// a coded, sampled error on that call; the process and the other calls never notice.
import { describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agent/define-agent.js';
import type { Reply } from '../../src/agent/responder.js';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/log/logger.js';
import { constantTts, fakeCall, nonZeroVadProvider, settle } from '../support/fake-call.js';
import { watchEscapes } from '../support/no-escape.js';

const escapes = watchEscapes();

/** 130 s of audio: more than the Player's 120 s queue bound. */
const tooLong = { mulaw: new Uint8Array(130 * 8000).fill(0x10) };

describe('nothing escapes from the agent', () => {
  it('audio past the Player queue bound ends that utterance with STREAM_QUEUE_FULL, logged once; another call plays on', async () => {
    const lines: { code?: string; msg?: string; count?: number }[] = [];
    const logger = createLogger({ level: 'silent', onLine: (l) => lines.push(l as never), tapLevel: 'warn' });
    const agent = defineAgent({
      tts: constantTts(200),
      vad: nonZeroVadProvider,
      idle: false,
      responder: {
        respond: async () => {},
        onDtmf: (digit: string, reply: Reply) => {
          const u = reply.utterance({ label: `flood-${digit}` });
          if (digit === '9') u.addAudio(tooLong, '(too long)');
          else u.addText(`You pressed ${digit}.`);
          u.end();
          return true;
        },
      },
    });
    const errors: string[] = [];
    agent.observe((s) => s.on('error', (e) => errors.push(`${s.call.info?.callId}:${e.stage}:${e.error.code}`)));
    const clock = new ManualClock(0);
    const bad = fakeCall(clock, 'bad', { logger });
    const good = fakeCall(clock, 'good');
    agent.handle(bad.call);
    agent.handle(good.call);
    bad.start();
    good.start();
    await settle();
    for (let i = 0; i < 30; i++) bad.dtmf('9');
    await settle();
    good.dtmf('1');
    const before = good.socket.sent.filter((t) => JSON.parse(t).event === 'playAudio').length;
    await good.run(600);
    const after = good.socket.sent.filter((t) => JSON.parse(t).event === 'playAudio').length;
    escapes.assertNone();
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors)).toEqual(new Set(['bad:tts:STREAM_QUEUE_FULL']));
    // The other call still speaks.
    expect(after).toBeGreaterThan(before);
    expect(bad.call.state).toBe('started');
    // Logged once per 1, 10, 100, ... occurrences, at warn: the caller's overload, not an outage.
    const queueLines = lines.filter((l) => l.code === 'STREAM_QUEUE_FULL');
    expect(queueLines.length).toBeGreaterThan(0);
    expect(queueLines.length).toBeLessThanOrEqual(Math.floor(Math.log10(errors.length)) + 1);
    bad.call.close();
    good.call.close();
  });
});
