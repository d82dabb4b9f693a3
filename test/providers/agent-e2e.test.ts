// The streaming TTS providers inside a real call: emulator -> callwire server -> agent with the
// real Deepgram, OpenAI-compatible and ElevenLabs/Cartesia clients, each against its fake.
import { afterEach, describe, expect, it } from 'vitest';
import { CartesiaTts } from '../../src/providers/cartesia/index.js';
import { ElevenLabsTts } from '../../src/providers/elevenlabs/index.js';
import { startCall } from '../../src/emulator/index.js';
import { type FakeCartesia, startFakeCartesia } from '../../src/testing/fakes/cartesia.js';
import { type FakeElevenLabs, startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { type Rig, startRig } from '../support/agent-rig.js';
import { waitUntil } from '../support/async.js';

let rig: Rig | undefined;
let tts: FakeElevenLabs | FakeCartesia | undefined;
afterEach(async () => {
  await rig?.close();
  await tts?.close();
  rig = undefined;
  tts = undefined;
});

describe('streaming TTS providers in a call', () => {
  it('ElevenLabs: the greeting and the LLM answer are synthesized in the call format on a pre-warmed socket and heard', async () => {
    const el = await startFakeElevenLabs({ pacing: { ttfbMs: 60, realTimeFactor: 0.3 } });
    tts = el;
    rig = await startRig({
      deepgram: { transcripts: ['what are your opening hours'] },
      agent: { greeting: 'Hello, thanks for calling.', tts: new ElevenLabsTts({ apiKey: el.apiKey, baseUrl: el.baseUrl, env: {} }) },
    });
    rig.openai.chat.when(/opening hours/, { text: 'We are open from nine to five. Anything else?' });
    const call = await startCall({ answerUrl: rig.answerUrl });
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    const sayAt = performance.now();
    await call.say('What are your opening hours?');
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(600, { timeoutMs: 20_000 });
    const report = await call.hangup();
    expect(report.ok).toBe(true);
    expect(el.texts.join(' ')).toContain('Hello, thanks for calling.');
    expect(el.texts.join(' ')).toContain('We are open from nine to five.');
    // Every socket asked for the call's format; the one that spoke the answer was opened
    // (pre-warmed) before the caller started speaking, not when the answer was needed.
    expect(el.connections.entries.every((c) => c.outcome === 'accepted' && c.query.output_format === 'ulaw_8000')).toBe(true);
    const answer = el.contexts.entries.find((c) => c.text.includes('nine to five'));
    const conn = el.connections.entries.find((c) => c.index === answer?.connection);
    expect(conn?.at).toBeLessThan(sayAt);
    expect(answer?.outcome).toBe('done');
  });

  it('Cartesia: barge-in cancels the speaking context on the vendor and the context keeps only what was heard', async () => {
    const ca = await startFakeCartesia({ pacing: { ttfbMs: 50, realTimeFactor: 1 } });
    tts = ca;
    rig = await startRig({
      deepgram: { transcripts: ['tell me everything', 'stop'] },
      agent: { greeting: 'Hi.', tts: new CartesiaTts({ apiKey: ca.apiKey, baseUrl: ca.baseUrl, env: {} }), bargeIn: { minSpeechMs: 200, falseInterruptionMs: 0 } },
    });
    const long = 'Here is a very long answer that goes on and on about every single detail of the menu, the opening hours, the parking, and the history of the restaurant since it opened.';
    rig.openai.chat.when(/everything/, { text: long });
    const call = await startCall({ answerUrl: rig.answerUrl });
    const session = await rig.session();
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    await call.say('Tell me everything.');
    // Interrupt 1.5 s into the long reply, on the call's clock (not a free-running sleep).
    const replyStarted = await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitUntil(replyStarted + 1500);
    await call.say('Stop.');
    await ca.contexts.waitFor((c) => c.outcome === 'cancelled', 20_000, 'a cancelled Cartesia context');
    await waitUntil(() => session.context.messages.some((m) => m.role === 'assistant' && m.interrupted === true), 20_000, 'an interrupted assistant message');
    const cut = session.context.messages.find((m) => m.role === 'assistant' && m.interrupted === true);
    expect(cut?.content.length).toBeLessThan(long.length);
    expect(ca.log.entries.some((e) => e.dir === 'in' && e.message.cancel === true)).toBe(true);
    await call.hangup();
  });
});
