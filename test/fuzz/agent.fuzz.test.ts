// Issue 15: the agent under random caller timing. Random DTMF (bursts, '#', keys before start),
// speech over the bot (barge-in), silences and hang-ups (the caller's or the agent's own), at
// random moments, on the built-in agent and on an LLM agent (fake Deepgram and fake OpenAI from
// src/testing, over real loopback sockets). Property: the process never sees an unhandled
// rejection or an uncaught exception, and every call ends cleanly (its session ends).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAgent } from '../../src/agent/builtin.js';
import { type Agent, defineAgent } from '../../src/agent/define-agent.js';
import type { AgentSession } from '../../src/agent/session.js';
import { ManualClock } from '../../src/clock.js';
import { mediaMessage, serializeInbound, stopMessage } from '../../src/protocol/serialize-inbound.js';
import { DeepgramStt } from '../../src/providers/deepgram/index.js';
import { OpenAiLlm } from '../../src/providers/openai/llm.js';
import { type FakeDeepgram, startFakeDeepgram } from '../../src/testing/fakes/deepgram.js';
import { type FakeOpenAi, startFakeOpenAi } from '../../src/testing/fakes/openai.js';
import { constantTts, fakeCall, nonZeroVadProvider, settle } from '../support/fake-call.js';
import { watchEscapes } from '../support/no-escape.js';
import { params } from './support.js';

const escapes = watchEscapes();

/** One thing the caller does. */
type Step =
  | { readonly kind: 'key'; readonly digit: string; readonly n: number }
  | { readonly kind: 'speak'; readonly ms: number }
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'hangup' }
  | { readonly kind: 'stop' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('key' as const), digit: fc.constantFrom(...'0123456789*#'), n: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 60 }), fc.integer({ min: 100, max: 200 })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('speak' as const), ms: fc.integer({ min: 20, max: 1500 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 1200 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'hangup' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stop' as const }) },
);
interface Script {
  readonly keysBeforeStart: number;
  readonly steps: readonly Step[];
}
const script: fc.Arbitrary<Script> = fc.record({ keysBeforeStart: fc.integer({ min: 0, max: 20 }), steps: fc.array(step, { minLength: 1, maxLength: 14 }) });

/** Play `s` against `agent` on a fake call over a manual clock; resolves once the call ended. */
async function play(agent: Agent, s: Script): Promise<void> {
  const clock = new ManualClock(0);
  const c = fakeCall(clock, `fuzz-${Math.random()}`);
  let seq = 10_000;
  let chunk = 0;
  const sid = () => c.call.info?.streamId ?? '';
  const frame = (loud: boolean): void => {
    const audio = new Uint8Array(160).fill(loud ? 0x10 : 0xff);
    c.socket.emit('message', Buffer.from(serializeInbound(mediaMessage({ sequenceNumber: ++seq, streamId: sid(), chunk: ++chunk, timestamp: 0, audio }))), false);
  };
  let session: AgentSession | undefined;
  const stop = agent.observe((x) => {
    if (x.call === c.call) session = x;
  });
  agent.handle(c.call);
  stop();
  for (let i = 0; i < s.keysBeforeStart; i++) c.dtmf('1');
  c.start();
  await c.run(60);
  for (const st of s.steps) {
    if (c.call.state === 'ended') break;
    switch (st.kind) {
      case 'key':
        for (let i = 0; i < st.n; i++) c.dtmf(st.digit);
        await c.run(20);
        break;
      case 'speak':
        for (let t = 0; t < st.ms; t += 20) {
          frame(true);
          await c.run(20);
        }
        break;
      case 'wait':
        for (let t = 0; t < st.ms; t += 100) {
          for (let f = 0; f < 5; f++) frame(false);
          await c.run(100);
        }
        break;
      case 'hangup':
        c.call.close('the caller hung up', 'caller');
        break;
      case 'stop':
        c.socket.emit('message', Buffer.from(serializeInbound(stopMessage(++seq, sid()))), false);
        break;
      default: {
        const never: never = st;
        throw new Error(`unknown step ${JSON.stringify(never)}`);
      }
    }
  }
  await c.run(200);
  c.call.close();
  await c.call.ended;
  await settle();
  expect(session?.state).toBe('ended');
  escapes.assertNone();
}

describe('the agent under random caller timing: nothing escapes', () => {
  it('the built-in agent (DTMF menu, echo, barge-in, hang-ups)', async () => {
    // The frame VAD (not WebRTC's) keeps runs fast and decisive about speech.
    const agent = builtinAgent({ tts: constantTts(1500), vad: nonZeroVadProvider });
    await fc.assert(fc.asyncProperty(script, (s) => play(agent, s)), params(12));
  });

  describe('an LLM agent on the fakes', () => {
    let dg: FakeDeepgram;
    let openai: FakeOpenAi;
    let agent: Agent;
    beforeAll(async () => {
      dg = await startFakeDeepgram({ latencyMs: 5 });
      openai = await startFakeOpenAi({ ttftMs: 5, interTokenMs: 1 });
      agent = defineAgent({
        instructions: 'You are a test agent.',
        stt: new DeepgramStt({ apiKey: dg.apiKey, baseUrl: dg.url, endpointingMs: 300 }),
        llm: new OpenAiLlm({ apiKey: openai.apiKey, baseUrl: openai.baseUrl, model: 'gpt-4o-mini' }),
        tts: constantTts(1500),
        vad: nonZeroVadProvider,
        greeting: 'Hello.',
        idle: { afterMs: 800, maxPrompts: 1 },
      });
    });
    afterAll(async () => {
      await dg?.close();
      await openai?.close();
    });

    it('DTMF to the LLM, barge-in, idle prompts and hang-ups', async () => {
      await fc.assert(fc.asyncProperty(script, (s) => play(agent, s)), params(6));
    });
  });
});
