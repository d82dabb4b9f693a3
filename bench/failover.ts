/**
 * Failover: for each stage, the time from killing the primary (its fake server closed, every
 * socket dropped, new connections refused) at a fixed point of a turn to the caller hearing
 * the fallback, against the same turn with no failure in the same run. Real clients against
 * the fakes over loopback, the emulator as the caller.
 *
 *   npx tsx bench/failover.ts [--runs 6] [--markdown BENCHMARKS.md]
 *
 * The trigger point is the same in both runs: STT, the primary's first interim with words;
 * LLM, the primary's second token; TTS, the third audio chunk of the reply. "Heard" is the
 * caller's next bot-audio start after that point (STT, LLM); for TTS, whose reply is already
 * playing, it is the silence the caller hears inside the reply after the point (0 when the
 * switch was covered by the audio already queued) and, separately, kill -> the fallback's
 * first audio sent.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { EmulatedCall } from '../src/emulator/index.js';
import { startCall } from '../src/emulator/index.js';
import { summarize, type Summary } from '../src/emulator/summary.js';
import { DeepgramStt } from '../src/providers/deepgram/index.js';
import { ElevenLabsTts } from '../src/providers/elevenlabs/index.js';
import { fallback } from '../src/providers/fallback/index.js';
import { OpenAiLlm } from '../src/providers/openai/llm.js';
import type { LlmProvider } from '../src/providers/types.js';
import { startFakeDeepgram } from '../src/testing/fakes/deepgram.js';
import { startFakeElevenLabs } from '../src/testing/fakes/elevenlabs.js';
import { startFakeOpenAi } from '../src/testing/fakes/openai.js';
import { startRig } from '../test/support/agent-rig.js';
import { writeSection } from './lib/sections.js';

const { values: a } = parseArgs({ options: { runs: { type: 'string', default: '6' }, markdown: { type: 'string' }, out: { type: 'string', default: 'bench/results/failover.json' } } });
const RUNS = Math.max(1, Number(a.runs));
const T = { timeoutMs: 30_000 };

type Stage = 'stt' | 'llm' | 'tts';

/** The call's clock (ms since dial) for a performance.now() instant. */
function callClock(call: EmulatedCall): () => number {
  let offset: number | undefined;
  call.on((e) => {
    offset ??= performance.now() - e.t;
  });
  return () => performance.now() - (offset ?? 0);
}

function nextBotStart(call: EmulatedCall, after: number): number | undefined {
  return call.timeline.find((e) => e.type === 'bot_audio' && e.phase === 'start' && e.t >= after)?.t;
}

/** Bot silence inside the reply after `after`, ms: each stop -> the next start. */
function silenceAfter(call: EmulatedCall, after: number): number {
  let gap = 0;
  let stoppedAt: number | undefined;
  for (const e of call.timeline) {
    if (e.type !== 'bot_audio' || e.t < after) continue;
    if (e.phase === 'stop') stoppedAt = e.t;
    else if (stoppedAt !== undefined) {
      gap += e.t - stoppedAt;
      stoppedAt = undefined;
    }
  }
  return gap;
}

async function sttRun(kill: boolean): Promise<number> {
  const b = await startFakeDeepgram({ latencyMs: 80, transcripts: ['I would like to book a table for two'] });
  const rig = await startRig({
    deepgram: { transcripts: ['I would like to book a table for two'] },
    agentWith: ({ dg }) => ({
      greeting: 'Hi.',
      idle: false,
      stt: fallback([new DeepgramStt({ apiKey: dg.apiKey, baseUrl: dg.url, endpointingMs: 300, retry: { attempts: 2, baseDelayMs: 20 } }), new DeepgramStt({ apiKey: b.apiKey, baseUrl: b.url, endpointingMs: 300 })], { firstByteTimeoutMs: 500 }),
    }),
  });
  try {
    rig.openai.chat.when(/book a table/, { text: 'Sure, for what time?' });
    const call = await startCall({ answerUrl: rig.answerUrl });
    const now = callClock(call);
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(400, T);
    const said = call.say('I would like to book a table for two');
    await until(() => rig.dg.sent('Results').some((m) => m.is_final === false && /"transcript":"\w/.test(JSON.stringify(m))));
    const at = now();
    if (kill) await rig.dg.close();
    await said;
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(500, T);
    await call.hangup();
    return (nextBotStart(call, at) as number) - at;
  } finally {
    await rig.close().catch(() => {});
    await b.close();
  }
}

async function llmRun(kill: boolean): Promise<number> {
  // B paced as A, so the difference is the switch alone.
  const b = await startFakeOpenAi({ ttftMs: 200, interTokenMs: 150 });
  b.chat.when(/hours/, { text: 'every day of the week.' });
  const seen = { tokens: 0 };
  const rig = await startRig({
    deepgram: { transcripts: ['what are your hours'] },
    openai: { ttftMs: 200, interTokenMs: 150 },
    agentWith: ({ openai }) => ({
      greeting: 'Hi.',
      idle: false,
      llm: fallback([counted(new OpenAiLlm({ apiKey: openai.apiKey, baseUrl: openai.baseUrl, model: 'gpt-4o-mini', retry: { baseDelayMs: 20 } }), seen), new OpenAiLlm({ apiKey: b.apiKey, baseUrl: b.baseUrl, model: 'gpt-4o-mini' })]),
    }),
  });
  try {
    rig.openai.chat.when(/hours/, { text: 'We are open from nine to five, every day of the week.' });
    const call = await startCall({ answerUrl: rig.answerUrl });
    const now = callClock(call);
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(400, T);
    const said = call.say('what are your hours');
    await until(() => seen.tokens >= 2);
    const at = now();
    if (kill) await rig.openai.close();
    await said;
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(500, T);
    await call.hangup();
    return (nextBotStart(call, at) as number) - at;
  } finally {
    await rig.close().catch(() => {});
    await b.close();
  }
}

async function ttsRun(kill: boolean): Promise<{ silence: number; firstAudio: number }> {
  const ea = await startFakeElevenLabs({ pacing: { ttfbMs: 100, realTimeFactor: 1 } });
  const eb = await startFakeElevenLabs({ pacing: { ttfbMs: 100, realTimeFactor: 1 } });
  const tts = fallback([new ElevenLabsTts({ apiKey: ea.apiKey, baseUrl: ea.baseUrl, env: {}, retry: { attempts: 1 } }), new ElevenLabsTts({ apiKey: eb.apiKey, baseUrl: eb.baseUrl, env: {} })]);
  const rig = await startRig({ deepgram: { transcripts: ['tell me about parking'] }, agent: { greeting: 'Hi.', idle: false, tts } });
  try {
    rig.openai.chat.when(/parking/, { text: 'There is free parking behind the restaurant, with room for about forty cars.' });
    await until(() => ea.contexts.entries.length > 0);
    const call = await startCall({ answerUrl: rig.answerUrl });
    const now = callClock(call);
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(400, T);
    await call.say('tell me about parking');
    const ctx = (): string | undefined => {
      const e = ea.log.entries.find((x) => x.dir === 'in' && JSON.stringify(x.message).includes('parking behind'));
      return e?.dir === 'in' ? String(e.message.context_id) : undefined;
    };
    await until(() => ea.log.entries.filter((e) => e.dir === 'out' && e.kind === 'audio' && e.context === ctx()).length >= 3);
    const at = now();
    const atPerf = performance.now();
    const sentBefore = eb.log.entries.length;
    if (kill) await ea.close();
    await call.waitForBotSpeech(T);
    await call.waitForBotSilence(700, T);
    await call.hangup();
    const firstB = eb.log.entries.slice(sentBefore).find((e) => e.dir === 'out' && e.kind === 'audio');
    return { silence: silenceAfter(call, at), firstAudio: kill && firstB !== undefined ? firstB.at - atPerf : 0 };
  } finally {
    await rig.close().catch(() => {});
    await ea.close().catch(() => {});
    await eb.close();
  }
}

function counted(llm: OpenAiLlm, seen: { tokens: number }): LlmProvider {
  return {
    name: llm.name,
    async *chat(request) {
      for await (const ev of llm.chat(request)) {
        if (ev.type === 'text') seen.tokens++;
        yield ev;
      }
    },
  };
}

async function until(cond: () => boolean): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > 20_000) throw new Error('bench: condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const fmt = (s: Summary): string => `${s.p50.toFixed(0)} / ${s.p95.toFixed(0)} ms`;

async function main(): Promise<void> {
  const started = Date.now();
  const load0 = loadavg()[0] as number;
  const res: Record<string, Summary> = {};
  // Failure and baseline alternate, so load drifts hit both alike.
  const alternate = async (run: (kill: boolean) => Promise<number>, name: string): Promise<void> => {
    const base: number[] = [];
    const fail: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      base.push(await run(false));
      fail.push(await run(true));
    }
    res[`${name}Base`] = summarize(base);
    res[`${name}Fail`] = summarize(fail);
  };
  const first: number[] = [];
  const runs: Record<Stage, () => Promise<void>> = {
    stt: () => alternate(sttRun, 'stt'),
    llm: () => alternate(llmRun, 'llm'),
    tts: async () => {
      await alternate(async (kill) => {
        const r = await ttsRun(kill);
        if (kill) first.push(r.firstAudio);
        return r.silence;
      }, 'tts');
      res.ttsFirstAudio = summarize(first);
    },
  };
  for (const stage of ['stt', 'llm', 'tts'] as const) {
    process.stderr.write(`failover bench: ${stage} (${RUNS} runs each way)\n`);
    await runs[stage]();
  }
  const r = res as Record<string, Summary>;
  const secs = Math.round((Date.now() - started) / 1000);
  const lines = [
    `Command: \`npx tsx bench/failover.ts --runs ${RUNS}\` (${new Date().toISOString().slice(0, 10)}, ${cpus().length} vCPU ${cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? ''}, Node ${process.version}, ${secs} s; load average ${load0.toFixed(1)} before, ${(loadavg()[0] as number).toFixed(1)} after).`,
    '',
    '| stage: primary killed at | p50 / p95, primary killed | p50 / p95, no failure (same run) | added by the switch (p50) |',
    '|---|---|---|---|',
    `| STT: its first interim, caller mid-sentence -> reply heard | ${fmt(r.sttFail as Summary)} | ${fmt(r.sttBase as Summary)} | ${((r.sttFail as Summary).p50 - (r.sttBase as Summary).p50).toFixed(0)} ms |`,
    `| LLM: its second token -> reply heard | ${fmt(r.llmFail as Summary)} | ${fmt(r.llmBase as Summary)} | ${((r.llmFail as Summary).p50 - (r.llmBase as Summary).p50).toFixed(0)} ms |`,
    `| TTS: third audio chunk of the reply -> silence heard inside the reply | ${fmt(r.ttsFail as Summary)} | ${fmt(r.ttsBase as Summary)} | ${((r.ttsFail as Summary).p50 - (r.ttsBase as Summary).p50).toFixed(0)} ms |`,
    `| TTS: kill -> the fallback's first audio sent | ${fmt(r.ttsFirstAudio as Summary)} | – | – |`,
  ];
  writeFileSync(a.out as string, `${JSON.stringify({ runs: RUNS, at: new Date().toISOString(), results: res }, null, 2)}\n`);
  if (a.markdown !== undefined) writeSection(a.markdown, 'failover', 'Failover: primary killed mid-utterance', lines);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
