// A full call, emulator -> server -> fake Deepgram -> fake LLM -> fake ElevenLabs -> emulator,
// with fixed fake delays: the latency ledger shows those delays plus no more than 20 ms of
// callwire's own overhead per stage.
import { afterEach, describe, expect, it } from 'vitest';
import type { TurnLedger } from '../../src/agent/latency-ledger.js';
import { startCall } from '../../src/emulator/index.js';
import { ElevenLabsTts } from '../../src/providers/elevenlabs/index.js';
import { type FakeElevenLabs, startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { type Rig, startRig } from '../support/agent-rig.js';
import { watchLoopDelay } from '../support/loop-delay.js';

let rig: Rig | undefined;
let el: FakeElevenLabs | undefined;
afterEach(async () => {
  await rig?.close();
  await el?.close();
});

const STT_LATENCY = 120;
const ENDPOINTING = 300;
const LLM_TTFT = 250;
const TTS_TTFB = 150;

describe('latency ledger in a full call', () => {
  it('matches the fakes configured delays plus at most 20 ms of callwire overhead', async () => {
    el = await startFakeElevenLabs({ pacing: { ttfbMs: TTS_TTFB, realTimeFactor: 0.3 } });
    rig = await startRig({
      deepgram: { transcripts: ['is there parking'], latencyMs: STT_LATENCY },
      openai: { ttftMs: LLM_TTFT, interTokenMs: 5 },
      agent: { greeting: 'Hello.', tts: new ElevenLabsTts({ apiKey: el.apiKey, baseUrl: el.baseUrl, env: {} }) },
    });
    rig.openai.chat.otherwise({ text: 'Yes, there is free parking behind the building.' });
    const delay = watchLoopDelay();
    const call = await startCall({ answerUrl: rig.answerUrl });
    const session = await rig.session();
    const ledgers: TurnLedger[] = [];
    session.on('ledger', (l) => ledgers.push(l));
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    await call.say('is there parking');
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(500, { timeoutMs: 20_000 });
    const report = await call.hangup();
    expect(ledgers).toHaveLength(1);
    delay.stop();
    // Every bound below compares wall-clock marks stamped in this process: a callback run late
    // (398 ms against >= 400 was seen at load 10+ on 2 cores, issue 25) moves a mark by up to the
    // event loop's largest delay, so each tolerance is widened by exactly that (a few ms at rest).
    const slack = delay.ms();
    const s = ledgers[0]?.stages as Required<TurnLedger['stages']>;
    const m = ledgers[0]?.marks as Required<TurnLedger['marks']>;
    // The fake Deepgram finalises `endpointing` ms after the speech plus its latency.
    expect(s.stt).toBeGreaterThanOrEqual(ENDPOINTING + STT_LATENCY - 20 - slack);
    expect(s.stt).toBeLessThanOrEqual(ENDPOINTING + STT_LATENCY + 20 + slack);
    expect(s.llm).toBeGreaterThanOrEqual(LLM_TTFT - slack);
    expect(s.llm).toBeLessThanOrEqual(LLM_TTFT + 20 + slack);
    expect(s.tts).toBeGreaterThanOrEqual(TTS_TTFB - slack);
    expect(s.tts).toBeLessThanOrEqual(TTS_TTFB + 20 + slack);
    // Between the stages callwire adds little: end of turn -> LLM request, LLM first token -> TTS request
    // (the first clause needs a few tokens), first TTS byte -> first frame sent.
    expect(m.llmRequest - m.endOfTurn).toBeLessThanOrEqual(20 + slack);
    expect(m.firstAudioSent - m.ttsFirstByte).toBeLessThanOrEqual(20 + slack);
    // And it agrees with what the caller measured.
    expect(Math.abs(s.total - (report.metrics.responseLatencyMs[0] as number))).toBeLessThanOrEqual(20 + slack);
  });
});
