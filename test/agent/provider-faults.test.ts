// Provider faults inside a real call (emulator -> server -> agent -> the real clients against
// their fakes): a provider that dies mid-utterance is reconnected and nothing the caller said
// or the bot meant to say is lost; a provider that hangs times out into a filler and one
// apology, and the call goes on: the next turn works once the provider is back.
import { type MockInstance, afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentSession } from '../../src/agent/session.js';
import { DEFAULT_APOLOGY } from '../../src/agent/session.js';
import { startCall, type EmulatedCall } from '../../src/emulator/index.js';
import { ElevenLabsTts } from '../../src/providers/elevenlabs/index.js';
import { type FakeElevenLabs, startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { type Rig, startRig } from '../support/agent-rig.js';
import { waitUntil } from '../support/async.js';

let rig: Rig | undefined;
let el: FakeElevenLabs | undefined;
afterEach(async () => {
  await rig?.close();
  await el?.close();
  rig = undefined;
  el = undefined;
});

const T = { timeoutMs: 20_000 };

/** Say `text` and wait for the bot's answer to be heard and to end. */
async function turn(call: EmulatedCall, text: string): Promise<void> {
  await call.say(text);
  await call.waitForBotSpeech(T);
  await call.waitForBotSilence(700, T);
}

describe('a provider dies mid-utterance', () => {
  it('STT: Deepgram drops while the caller speaks; the client reconnects and replays, and the whole sentence reaches the LLM once', async () => {
    rig = await startRig({ deepgram: { transcripts: ['I would like to book a table for two'] }, agent: { greeting: 'Hi.' } });
    rig.openai.chat.when(/book a table/, { text: 'Sure, for what time?' });
    // The call's socket is dropped once it has carried 2.3 s of audio: the caller speaks from 1.5 s.
    rig.dg.dropNextConnection(2300);
    const call = await startCall({ answerUrl: rig.answerUrl });
    await call.waitForBotSpeech(T);
    await call.waitUntil(1500);
    await turn(call, 'I would like to book a table for two');
    const report = await call.hangup();
    expect(rig.dg.connections.entries.filter((c) => c.outcome === 'accepted')).toHaveLength(2);
    expect(rig.openai.chat.requests.entries.map((r) => r.lastUser)).toEqual(['I would like to book a table for two']);
    expect(rig.dg.utterances.entries.map((u) => u.transcript)).toEqual(['I would like to book a table for two']);
    expect((await rig.session()).context.messages.slice(-1)).toEqual([{ role: 'assistant', content: 'Sure, for what time?' }]);
    expect(report.ok).toBe(true);
  });

  it('LLM: the completion stream drops after three tokens; the retry resumes past them and the reply is said once, whole', async () => {
    rig = await startRig({ deepgram: { transcripts: ['what are your hours'] }, agent: { greeting: 'Hi.' } });
    rig.openai.chat.when(/hours/, { text: 'We are open from nine to five every day.', dropAfterTokens: 3 });
    const call = await startCall({ answerUrl: rig.answerUrl });
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(400, T);
    await turn(call, 'what are your hours');
    await call.hangup();
    expect(rig.openai.chat.requests.entries).toHaveLength(2);
    const messages = (await rig.session()).context.messages;
    expect(messages.filter((m) => m.role === 'assistant')).toEqual([{ role: 'assistant', content: 'We are open from nine to five every day.' }]);
  });

  it('TTS: the ElevenLabs socket drops mid-sentence; the rest is re-requested from the first unfinished word and the reply plays to its end', async () => {
    el = await startFakeElevenLabs({ pacing: { ttfbMs: 40, realTimeFactor: 0.3 } });
    const fake = el;
    rig = await startRig({ deepgram: { transcripts: ['tell me about parking'] }, agent: { greeting: 'Hi.', tts: new ElevenLabsTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, env: {} }) } });
    rig.openai.chat.when(/parking/, { text: 'There is free parking behind the restaurant, with room for about forty cars.' });
    // The greeting was synthesized at start-up (its own socket); the call's socket is the next one.
    await waitUntil(() => fake.contexts.entries.length > 0, 10_000, 'the pre-warmed greeting');
    fake.dropNextConnection(8 * 600); // 600 ms of mu-law audio into the reply
    const call = await startCall({ answerUrl: rig.answerUrl });
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(400, T);
    await turn(call, 'tell me about parking');
    const report = await call.hangup();
    expect(fake.contexts.entries.map((c) => c.outcome)).toContain('dropped');
    const session = await rig.session();
    expect(session.context.messages.slice(-1)).toEqual([{ role: 'assistant', content: 'There is free parking behind the restaurant, with room for about forty cars.' }]);
    expect(session.lastReply?.result).toMatchObject({ status: 'played', unheard: '' });
    expect(report.ok).toBe(true);
  });
});

describe('a provider hangs', () => {
  it('LLM: a model that never answers gets the filler, then one apology per outage; the call goes on and the next turn works', async () => {
    let spy: MockInstance<AgentSession['say']> | undefined;
    rig = await startRig({
      deepgram: { transcripts: ['first question', 'second question', 'third question', 'fourth question'] },
      // A short deadline, as a phone agent would set, and two attempts: 0.8 s each.
      llm: { timeoutMs: 800, idleTimeoutMs: 800, retry: { attempts: 2, baseDelayMs: 50 } },
      agent: { greeting: 'Hi.', fillers: { slowReplyMs: 500 }, onSession: (s) => void (spy = vi.spyOn(s, 'say')) },
    });
    const hang = { text: 'never said', ttftMs: 60_000 };
    rig.openai.chat.when(/first|second|fourth/, hang);
    rig.openai.chat.when(/third/, { text: 'Here is the answer.' });
    const errors: string[] = [];
    const call = await startCall({ answerUrl: rig.answerUrl });
    const session = await rig.session();
    session.on('error', (e) => errors.push(`${e.stage}:${e.error.code}`));
    const said = (): string[] => (spy?.mock.calls ?? []).map((c) => c[1]?.label ?? c[0]);
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(400, T);
    // Turn 1: the filler at 0.5 s, the apology when both attempts timed out; both heard.
    await turn(call, 'first question');
    await waitUntil(() => said().includes('apology'), 10_000, 'the apology');
    await call.waitForBotSilence(700, T);
    // Turn 2, same outage: a filler, no second apology.
    await turn(call, 'second question');
    await waitUntil(() => errors.length === 2, 10_000, 'the second timeout');
    await call.waitForBotSilence(700, T);
    // Turn 3: the model answers again.
    await turn(call, 'third question');
    expect(session.context.messages.filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual(['Here is the answer.']);
    // Turn 4: a new outage gets its apology.
    await turn(call, 'fourth question');
    await waitUntil(() => said().filter((x) => x === 'apology').length === 2, 10_000, 'the second outage\'s apology');
    await call.waitForBotSilence(700, T);
    const report = await call.hangup();
    expect(errors).toEqual(['llm:PROVIDER_TIMEOUT', 'llm:PROVIDER_TIMEOUT', 'llm:PROVIDER_TIMEOUT']);
    expect(said()).toEqual(['greeting', 'filler', 'apology', 'filler', 'filler', 'apology']);
    expect(report.ok).toBe(true);
    expect(report.hangup.by).toBe('caller');
  });

  it('STT: Deepgram hangs mid-sentence (reads, answers nothing); the stall is detected, the audio replayed, and the caller still gets the answer', async () => {
    // The watchdog is cut from 15 s to 1.5 s to keep the test short, so the fake's empty finals
    // on a quiet line (every 5 s by default) must come faster than that too: with the default,
    // the healthy first socket was judged stalled during the greeting's silence and the call
    // reconnected 4 times instead of once (issue 25).
    rig = await startRig({ deepgram: { transcripts: ['do you have a table tonight'], silenceFinalMs: 500 }, stt: { stallTimeoutMs: 1500, keepAliveMs: 250 }, agent: { greeting: 'Hi.' } });
    rig.openai.chat.when(/table tonight/, { text: 'Yes, we do.' });
    rig.dg.stallNextConnection(2300);
    const call = await startCall({ answerUrl: rig.answerUrl });
    const session = await rig.session();
    const errors: string[] = [];
    session.on('error', (e) => errors.push(e.error.code));
    await call.waitForBotSpeech(T);
    await call.waitUntil(1500);
    await turn(call, 'do you have a table tonight');
    const report = await call.hangup();
    expect(rig.openai.chat.requests.entries.map((r) => r.lastUser)).toEqual(['do you have a table tonight']);
    expect(session.context.messages.slice(-1)).toEqual([{ role: 'assistant', content: 'Yes, we do.' }]);
    expect(rig.dg.connections.entries.filter((c) => c.outcome === 'accepted')).toHaveLength(2);
    expect(errors).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('TTS: a voice that never sends audio times out; the apology plays from the start-up cache, and the next reply is heard when the voice is back', async () => {
    el = await startFakeElevenLabs({ pacing: { ttfbMs: 40, realTimeFactor: 0.3 } });
    const fake = el;
    let spy: MockInstance<AgentSession['say']> | undefined;
    rig = await startRig({
      deepgram: { transcripts: ['hello there', 'are you back'] },
      agent: { greeting: 'Hi.', tts: new ElevenLabsTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, env: {}, audioTimeoutMs: 1000 }), onSession: (s) => void (spy = vi.spyOn(s, 'say')) },
    });
    rig.openai.chat.when(/hello/, { text: 'This sentence is never heard.' });
    rig.openai.chat.when(/back/, { text: 'Yes, I am back.' });
    // Synthesized sentence by sentence at start-up.
    await waitUntil(() => DEFAULT_APOLOGY.split(/(?<=\.) /).every((x) => fake.texts.includes(x)), 10_000, 'the apology synthesized at start-up');
    const call = await startCall({ answerUrl: rig.answerUrl });
    const session = await rig.session();
    const errors: string[] = [];
    session.on('error', (e) => errors.push(`${e.stage}:${e.error.code}`));
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(400, T);
    fake.pacing = { ttfbMs: 60_000 };
    // The reply's synthesis hangs; after 1 s the apology is heard instead.
    await turn(call, 'hello there');
    expect(errors).toEqual(['tts:PROVIDER_TIMEOUT']);
    expect((spy?.mock.calls ?? []).map((c) => c[1]?.label)).toEqual(['greeting', 'apology']);
    fake.pacing = { ttfbMs: 40, realTimeFactor: 0.3 };
    await turn(call, 'are you back');
    const report = await call.hangup();
    expect(session.lastReply?.result).toMatchObject({ status: 'played', text: 'Yes, I am back.' });
    expect(report.ok).toBe(true);
  });
});
