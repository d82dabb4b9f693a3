// defineAgent's stream handler on calls over in-memory sockets: an agent that cannot start on
// one call (its voice detector fails) ends that call alone, with a coded reason, and never
// becomes an unhandled rejection (which would end the process, and every other call with it).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agent/define-agent.js';
import { ManualClock } from '../../src/clock.js';
import type { VadProvider } from '../../src/providers/types.js';
import type { EndInfo } from '../../src/stream/types.js';
import { constantTts, fakeCall, settle } from '../support/fake-call.js';
import { nonZeroVad } from '../support/scripted-vad.js';

const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);
beforeEach(() => {
  rejections.length = 0;
  process.on('unhandledRejection', onRejection);
});
afterEach(() => {
  process.off('unhandledRejection', onRejection);
});

describe('an agent that cannot start on a call', () => {
  it('a voice detector that fails to load ends that call with a coded reason; the next call is unaffected', async () => {
    let created = 0;
    const vad: VadProvider = {
      name: 'flaky-vad',
      sampleRates: [8000],
      create: async (rate) => {
        if (created++ === 0) throw new Error('model file missing');
        return nonZeroVad(rate);
      },
    };
    const agent = defineAgent({ tts: constantTts(200), vad, responder: { respond: async () => {} }, greeting: 'Hello.', idle: false });
    const errors: string[] = [];
    agent.observe((s) => s.on('error', (e) => errors.push(`${e.stage}:${e.error.code}`)));
    const clock = new ManualClock(0);
    const bad = fakeCall(clock, 'bad');
    const good = fakeCall(clock, 'good');
    agent.handle(bad.call);
    agent.handle(good.call);
    let end: EndInfo | undefined;
    void bad.call.ended.then((e) => void (end = e));
    bad.start();
    await settle();
    good.start();
    await good.run(200);
    await settle();
    expect(rejections).toEqual([]);
    expect(errors).toEqual(['start:PROVIDER_UNAVAILABLE']);
    expect(end).toMatchObject({ by: 'server', reason: 'the agent could not start (PROVIDER_UNAVAILABLE)', error: { code: 'PROVIDER_UNAVAILABLE' } });
    expect(end?.error?.message).toContain('model file missing');
    expect(bad.socket.closeCode).toBe(1011);
    // The other call started and is greeting its caller.
    expect(good.call.state).toBe('started');
    expect(good.socket.sent.some((t) => JSON.parse(t).event === 'playAudio')).toBe(true);
    expect([...agent.sessions].map((s) => s.call)).toEqual([good.call]);
    good.call.close();
  });
});
