// Complete conversations: emulator -> server -> real Deepgram client -> fake Deepgram,
// real OpenAI-compatible client -> fake LLM, embedded flite TTS -> emulator.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TurnLedger } from '../../src/agent/latency-ledger.js';
import { defineTool } from '../../src/agent/tools.js';
import { scaledClock } from '../../src/clock.js';
import { startCall } from '../../src/emulator/index.js';
import { type Rig, startRig } from '../support/agent-rig.js';
import { eventsOf } from '../support/emulator.js';
import { watchLoopDelay } from '../support/loop-delay.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('an LLM agent on a call', () => {
  it('a normal turn: the caller is transcribed, the LLM answers, the reply is spoken and kept in context, the ledger has every stage', async () => {
    rig = await startRig({ deepgram: { transcripts: ['I would like to book a table'] }, agent: { greeting: 'Hello.' } });
    rig.openai.chat.when(/book a table/, { text: 'Sure. For how many people?' });
    const delay = watchLoopDelay();
    const call = await startCall({ answerUrl: rig.answerUrl });
    const session = await rig.session();
    const ledgers: TurnLedger[] = [];
    session.on('ledger', (l) => ledgers.push(l));
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    await call.say('I would like to book a table');
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(600, { timeoutMs: 20_000 });
    const report = await call.hangup();
    expect(report.ok).toBe(true);
    const req = rig.openai.chat.requests.entries[0];
    expect(req?.lastUser).toBe('I would like to book a table');
    expect(req?.messages[0]).toMatchObject({ role: 'system', content: 'You are a test agent.' });
    expect(session.context.messages.slice(-2)).toEqual([
      { role: 'user', content: 'I would like to book a table' },
      { role: 'assistant', content: 'Sure. For how many people?' },
    ]);
    expect(ledgers).toHaveLength(1);
    const s = ledgers[0]?.stages;
    for (const k of ['stt', 'endpointing', 'llm', 'tts', 'network', 'total'] as const) expect(s?.[k], k).toBeTypeOf('number');
    // The fake LLM's configured time to first token shows up in the llm stage.
    expect(s?.llm).toBeGreaterThanOrEqual(150);
    // The ledger (server side) and the caller agree within 20 ms plus however long this process's
    // event loop was held up: both stamp wall-clock time on arrival (issue 25).
    delay.stop();
    expect(Math.abs((s?.total as number) - (report.metrics.responseLatencyMs[0] as number))).toBeLessThanOrEqual(20 + delay.ms());
  });

  it('a slow tool gets a filler that is not cut off by the answer; the tool result reaches the model', async () => {
    const check = defineTool({
      name: 'check_availability',
      description: 'Check if a table is free',
      parameters: z.object({ time: z.string() }),
      filler: 'Let me check that for you.',
      execute: async ({ time }) => {
        await new Promise((r) => setTimeout(r, 1500));
        return { available: true, time };
      },
    });
    rig = await startRig({ deepgram: { transcripts: ['is seven free'] }, agent: { greeting: 'Hi.', tools: [check], fillers: { afterMs: 500 } } });
    rig.openai.chat.reply({ toolCalls: [{ name: 'check_availability', arguments: { time: '7pm' } }] });
    rig.openai.chat.reply({ text: 'Yes, seven is free.' });
    const call = await startCall({ answerUrl: rig.answerUrl });
    const session = await rig.session();
    const tools: string[] = [];
    const labels: string[] = [];
    session.on('tool_call', (t) => tools.push(`${t.name}:${t.ok}`));
    session.on('reply', (r) => labels.push(r.result.status));
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    await call.say('is seven free');
    await call.waitForBotSpeech({ timeoutMs: 20_000 }); // the filler
    await call.waitForBotSilence(1200, { timeoutMs: 30_000 }); // filler, tool, answer
    const report = await call.hangup();
    expect(tools).toEqual(['check_availability:true']);
    const second = rig.openai.chat.requests.entries[1];
    expect(second?.messages.some((m) => m.role === 'tool' && String(m.content).includes('"available":true'))).toBe(true);
    expect(labels).toEqual(['played']);
    // Nothing was cleared: the filler played to the end, then the answer.
    expect(eventsOf(report.timeline, 'clear_audio')).toHaveLength(0);
    expect(session.context.messages.at(-1)).toEqual({ role: 'assistant', content: 'Yes, seven is free.' });
  });

  it('DTMF: digits nobody collects reach the LLM as text; a tool collects an account number', async () => {
    const account = defineTool({
      name: 'get_account_number',
      description: 'Ask for the account number on the keypad',
      parameters: z.object({}),
      filler: false,
      execute: async (_args, ctx) => {
        await ctx.say('Please enter your account number, then press pound.');
        const r = await ctx.collectDigits({ max: 10, terminator: '#', timeoutMs: 10_000 });
        return r;
      },
    });
    rig = await startRig({ deepgram: { transcripts: ['my account'] }, agent: { greeting: 'Hi.', tools: [account] } });
    rig.openai.chat.when(/pressed 5/, { text: 'You pressed five.' });
    rig.openai.chat.when(/my account/, { toolCalls: [{ name: 'get_account_number', arguments: {} }] });
    rig.openai.chat.otherwise({ text: 'Thanks, got it.' });
    const call = await startCall({ answerUrl: rig.answerUrl });
    await rig.session();
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    call.pressDigit('5');
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(500, { timeoutMs: 20_000 });
    await call.say('my account');
    await call.waitForBotSpeech({ timeoutMs: 20_000 }); // "Please enter your account number..."
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    for (const d of '4711#') call.pressDigit(d);
    await call.waitForBotSpeech({ timeoutMs: 20_000 }); // "Thanks, got it."
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    await call.hangup();
    const reqs = rig.openai.chat.requests.entries;
    expect(reqs[0]?.lastUser).toBe('[The caller pressed 5 on the keypad]');
    const tool = reqs.at(-1)?.messages.find((m) => m.role === 'tool');
    expect(JSON.parse(String(tool?.content))).toEqual({ digits: '4711', reason: 'terminator' });
  });

  it('idle: prompts after silence, then says goodbye and hangs up', async () => {
    const speed = 3;
    rig = await startRig({ clock: scaledClock(speed), deepgram: { transcripts: [] }, agent: { greeting: 'Hi.', idle: { afterMs: 2000, prompts: ['Still there?'], maxPrompts: 2, goodbye: 'Bye now.' } } });
    const call = await startCall({ answerUrl: rig.answerUrl, speed });
    const session = await rig.session();
    const prompts: number[] = [];
    const hangups: string[] = [];
    session.on('idle_prompt', (p) => prompts.push(p.count));
    session.on('hangup', (h) => hangups.push(h.reason));
    const report = await call.finished;
    expect(prompts).toEqual([1, 2]);
    expect(hangups).toEqual(['no response from the caller']);
    expect(report.hangup.by).not.toBe('caller');
    // greeting + two prompts + goodbye were spoken
    expect(eventsOf(report.timeline, 'bot_audio').filter((e) => e.phase === 'start').length).toBeGreaterThanOrEqual(4);
  });
});
