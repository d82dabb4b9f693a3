// Fallback chains inside a real call (emulator -> server -> agent -> the real clients against
// their wire-faithful fakes on loopback): each stage's primary is killed (its server closed,
// every socket dropped, later connections refused) in the middle of an utterance, and the
// caller still hears the answer, from the fallback.
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentEvents } from '../../src/agent/session.js';
import { type EmulatedCall, startCall } from '../../src/emulator/index.js';
import { DeepgramStt } from '../../src/providers/deepgram/index.js';
import { ElevenLabsTts } from '../../src/providers/elevenlabs/index.js';
import { fallback } from '../../src/providers/fallback/index.js';
import { OpenAiLlm } from '../../src/providers/openai/llm.js';
import type { LlmProvider } from '../../src/providers/types.js';
import { type FakeDeepgram, startFakeDeepgram } from '../../src/testing/fakes/deepgram.js';
import { type FakeElevenLabs, startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { type FakeOpenAi, startFakeOpenAi } from '../../src/testing/fakes/openai.js';
import { MemoryStreamStore } from '../../src/store/index.js';
import { type Rig, startRig } from '../support/agent-rig.js';
import { waitUntil } from '../support/async.js';

const T = { timeoutMs: 20_000 };
const closers: (() => Promise<void>)[] = [];
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  for (const c of closers.splice(0)) await c().catch(() => {});
});

/** The bot's answer is heard to its end. */
async function answerHeard(call: EmulatedCall): Promise<void> {
  await call.waitForBotSpeech(T);
  await call.waitForBotSilence(700, T);
}

type Failover = AgentEvents['failover'];

describe('a primary dies mid-utterance and the fallback answers', () => {
  it('STT: Deepgram A dies while the caller speaks; Deepgram B gets the un-finalised audio and the whole sentence reaches the LLM once', async () => {
    const b: FakeDeepgram = await startFakeDeepgram({ latencyMs: 80, transcripts: ['I would like to book a table for two'] });
    closers.push(() => b.close());
    const store = new MemoryStreamStore();
    closers.push(async () => store.close());
    rig = await startRig({
      server: { store },
      deepgram: { transcripts: ['I would like to book a table for two'] },
      agentWith: ({ dg }) => ({
        greeting: 'Hi.',
        stt: fallback(
          [
            new DeepgramStt({ apiKey: dg.apiKey, baseUrl: dg.url, endpointingMs: 300, retry: { attempts: 2, baseDelayMs: 20 } }),
            new DeepgramStt({ apiKey: b.apiKey, baseUrl: b.url, endpointingMs: 300 }),
          ],
          { firstByteTimeoutMs: 500 },
        ),
      }),
    });
    const r = rig;
    r.openai.chat.when(/book a table/, { text: 'Sure, for what time?' });
    const call = await startCall({ answerUrl: r.answerUrl });
    const session = await r.session();
    const failovers: Failover[] = [];
    session.on('failover', (f) => failovers.push(f));
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(400, T);
    const said = call.say('I would like to book a table for two');
    // Kill A once it has heard part of the sentence (an interim with words went out).
    await waitUntil(() => r.dg.sent('Results').some((m) => m.is_final === false && interimText(m) !== ''), 10_000, 'an interim from A');
    await r.dg.close();
    await said;
    await answerHeard(call);
    const report = await call.hangup();
    expect(r.openai.chat.requests.entries.map((q) => q.lastUser)).toEqual(['I would like to book a table for two']);
    expect(b.utterances.entries.map((u) => u.transcript)).toEqual(['I would like to book a table for two']);
    expect(session.context.messages.slice(-1)).toEqual([{ role: 'assistant', content: 'Sure, for what time?' }]);
    expect(failovers.map((f) => f.stage)).toEqual(['stt']);
    expect(failovers[0]?.replayed).toBeGreaterThan(0);
    expect(report.ok).toBe(true);
    // Reported: metrics (the failover, and A's standing until its probe succeeds), an alert, the store.
    const metrics = await (await fetch(`${r.srv.http}/metrics`)).text();
    expect(metrics).toContain('callwire_provider_failovers_total{stage="stt",from="deepgram",to="deepgram"} 1');
    expect(metrics).toMatch(/callwire_provider_healthy\{stage="stt",provider="deepgram",position="0"\} 0/);
    expect(r.srv.server.alerts.sent).toBeGreaterThanOrEqual(1);
    const streamId = session.call.info?.streamId as string;
    let errors: string[] = [];
    for (let i = 0; i < 200 && !errors.includes('PROVIDER_FAILOVER'); i++) {
      await new Promise((res) => setTimeout(res, 25));
      errors = ((await store.getStream(streamId))?.errors ?? []).map((e) => e.code);
    }
    expect(errors).toContain('PROVIDER_FAILOVER');
  });

  it('LLM: the completion server dies after a few tokens; the fallback continues the reply without repeating it', async () => {
    const b: FakeOpenAi = await startFakeOpenAi({ ttftMs: 50, interTokenMs: 5 });
    closers.push(() => b.close());
    b.chat.when(/hours/, { text: 'every day of the week.' });
    const seen = { tokens: 0 };
    rig = await startRig({
      deepgram: { transcripts: ['what are your hours'] },
      openai: { ttftMs: 100, interTokenMs: 150 },
      agentWith: ({ openai }) => ({
        greeting: 'Hi.',
        llm: fallback([
          counted(new OpenAiLlm({ apiKey: openai.apiKey, baseUrl: openai.baseUrl, model: 'gpt-4o-mini', retry: { baseDelayMs: 20 } }), seen),
          new OpenAiLlm({ apiKey: b.apiKey, baseUrl: b.baseUrl, model: 'gpt-4o-mini' }),
        ]),
      }),
    });
    const r = rig;
    const full = 'We are open from nine to five, every day of the week.';
    r.openai.chat.when(/hours/, { text: full });
    const call = await startCall({ answerUrl: r.answerUrl });
    const session = await r.session();
    const failovers: Failover[] = [];
    session.on('failover', (f) => failovers.push(f));
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(400, T);
    const said = call.say('what are your hours');
    // Kill A once the reply has started streaming (tokens are 150 ms apart).
    await waitUntil(() => r.openai.chat.requests.entries.length === 1, 15_000, 'the request at A');
    await waitUntil(() => seen.tokens >= 2, 15_000, 'two tokens from A');
    await r.openai.close();
    await said;
    await answerHeard(call);
    await call.hangup();
    const reply = session.context.messages.filter((m) => m.role === 'assistant').map((m) => m.content);
    expect(reply).toHaveLength(1);
    // What A said before it died went to B as the start of the reply, and was not said again.
    const cont = b.chat.requests.entries[0]?.messages.find((m) => m.role === 'assistant');
    const before = String(cont?.content);
    expect(before.length).toBeGreaterThan(0);
    expect(full.startsWith(before)).toBe(true);
    expect(reply[0]).toBe(`${before.trimEnd()} every day of the week.`);
    expect(failovers.map((f) => f.stage)).toEqual(['llm']);
  });

  it('TTS: ElevenLabs A dies mid-sentence; B speaks the rest from the first unspoken word and the reply plays to its end', async () => {
    // A streams in real time, so the reply's audio is still coming when it dies.
    const a: FakeElevenLabs = await startFakeElevenLabs({ pacing: { ttfbMs: 40, realTimeFactor: 1 } });
    const b: FakeElevenLabs = await startFakeElevenLabs({ pacing: { ttfbMs: 40, realTimeFactor: 0.3 } });
    closers.push(() => a.close(), () => b.close());
    const tts = fallback([new ElevenLabsTts({ apiKey: a.apiKey, baseUrl: a.baseUrl, env: {}, retry: { attempts: 1 } }), new ElevenLabsTts({ apiKey: b.apiKey, baseUrl: b.baseUrl, env: {} })]);
    rig = await startRig({ deepgram: { transcripts: ['tell me about parking'] }, agent: { greeting: 'Hi.', tts } });
    const r = rig;
    const sentence = 'There is free parking behind the restaurant, with room for about forty cars.';
    r.openai.chat.when(/parking/, { text: sentence });
    await waitUntil(() => a.contexts.entries.length > 0, 10_000, 'the pre-warmed greeting');
    const call = await startCall({ answerUrl: r.answerUrl });
    const session = await r.session();
    const failovers: Failover[] = [];
    session.on('failover', (f) => failovers.push(f));
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(400, T);
    await call.say('tell me about parking');
    // Kill A once it has sent part of the reply's audio.
    const replyContext = (): string | undefined => {
      const sent = a.log.entries.find((e) => e.dir === 'in' && JSON.stringify(e.message).includes('parking behind'));
      return sent?.dir === 'in' ? String(sent.message.context_id) : undefined;
    };
    await waitUntil(() => a.log.entries.filter((e) => e.dir === 'out' && e.kind === 'audio' && e.context === replyContext()).length >= 3, 15_000, 'reply audio from A');
    await a.close();
    await answerHeard(call);
    const report = await call.hangup();
    expect(session.lastReply?.result).toMatchObject({ status: 'played', unheard: '' });
    expect(session.context.messages.slice(-1)).toEqual([{ role: 'assistant', content: sentence }]);
    // B got the rest of the sentence: a proper suffix of it, starting at a word.
    const rest = b.texts.map((t) => t.trim()).find((t) => sentence.endsWith(t) && t !== sentence);
    expect(rest).toBeDefined();
    expect(failovers.map((f) => f.stage)).toEqual(['tts']);
    expect(report.ok).toBe(true);
  });
});

function interimText(m: Readonly<Record<string, unknown>>): string {
  const alt = (m.channel as { alternatives?: { transcript?: string }[] } | undefined)?.alternatives?.[0];
  return alt?.transcript ?? '';
}

/** The client as is, counting the text deltas it streamed (to kill its server mid-reply). */
function counted(llm: OpenAiLlm, seen: { tokens: number }): LlmProvider {
  return {
    name: llm.name,
    verify: (signal) => llm.verify(signal),
    async *chat(request) {
      for await (const ev of llm.chat(request)) {
        if (ev.type === 'text') seen.tokens++;
        yield ev;
      }
    },
  };
}
