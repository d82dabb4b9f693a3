// The example agents, run as a user would run them in CI: the built package (`callwire`,
// `callwire/testing`), the providers' real clients against wire-faithful fakes, and the emulator.
import { createServer } from 'callwire';
import { DeepgramStt } from 'callwire/providers/deepgram';
import { ElevenLabsTts } from 'callwire/providers/elevenlabs';
import { OpenAiLlm } from 'callwire/providers/openai';
import { startCall, startFakeDeepgram, startFakeElevenLabs, startFakeOpenAi } from 'callwire/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { appointmentsAgent, Calendar } from '../../examples/appointments/agent.js';
import { BookingBook, receptionistAgent } from '../../examples/receptionist/agent.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function fakes(transcripts: string[]) {
  const dg = await startFakeDeepgram({ transcripts, latencyMs: 80 });
  const openai = await startFakeOpenAi({ ttftMs: 100, interTokenMs: 5 });
  const el = await startFakeElevenLabs({ pacing: { ttfbMs: 60, realTimeFactor: 0.2 } });
  closers.push(() => dg.close(), () => openai.close(), () => el.close());
  const providers = {
    stt: new DeepgramStt({ apiKey: dg.apiKey, baseUrl: dg.url, env: {} }),
    llm: new OpenAiLlm({ apiKey: openai.apiKey, baseUrl: openai.baseUrl, model: 'gpt-4o-mini', env: {} }),
    tts: new ElevenLabsTts({ apiKey: el.apiKey, baseUrl: el.baseUrl, env: {} }),
  };
  return { dg, openai, el, providers };
}

async function serve(agent: NonNullable<Parameters<typeof createServer>[0]>['agent']) {
  const server = createServer({ agent });
  const { port } = await server.listen(0, '127.0.0.1');
  closers.push(() => server.close());
  return `http://127.0.0.1:${port}/plivo/answer`;
}

describe('example: receptionist', () => {
  it('answers opening hours and books a table through its tools', async () => {
    const { openai, el, providers } = await fakes(['when are you open on sunday', 'a table for four on saturday at seven for Maria']);
    // Matchers are tried in order: answers to tool results first, then the caller's words.
    openai.chat.when((_u, req) => req.messages.at(-1)?.role === 'tool' && String(req.messages.at(-1)?.content).includes('"open":true'), { text: 'On Sunday we are open from noon to nine.' });
    openai.chat.when((_u, req) => req.messages.at(-1)?.role === 'tool' && String(req.messages.at(-1)?.content).includes('"ok":true'), { text: 'Booked: four people on Saturday at seven, under Maria.' });
    openai.chat.when(/sunday/, { toolCalls: [{ name: 'opening_hours', arguments: { day: 'sunday' } }] });
    openai.chat.when(/for Maria/, { toolCalls: [{ name: 'book_table', arguments: { name: 'Maria', people: 4, day: 'saturday', hour: 19 } }] });
    const book = new BookingBook();
    const call = await startCall({ answerUrl: await serve(receptionistAgent(providers, book)) });
    for (const line of ['When are you open on Sunday?', 'A table for four on Saturday at seven for Maria.']) {
      await call.waitForBotSpeech({ timeoutMs: 20_000 });
      await call.waitForBotSilence(500, { timeoutMs: 20_000 });
      await call.say(line);
    }
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(800, { timeoutMs: 30_000 });
    const report = await call.hangup();
    expect(report.ok).toBe(true);
    expect(book.bookings).toEqual([{ name: 'Maria', people: 4, day: 'saturday', hour: 19 }]);
    const spoken = el.texts.join(' ');
    expect(spoken).toContain('On Sunday we are open from noon to nine.');
    // Sentences are synthesized concurrently (the Player keeps their order), so check both parts.
    expect(el.texts).toEqual(expect.arrayContaining(['Booked: four people on Saturday at seven,', 'under Maria.']));
    // The greeting was synthesized once, at start-up, under the same sentences say() uses.
    expect(el.texts.filter((t) => t === 'Bella Pizza, good evening. How can I help you?')).toHaveLength(0);
    expect(el.texts.filter((t) => t === 'Bella Pizza, good evening.')).toHaveLength(1);
    const toolResult = openai.chat.requests.entries.find((r) => r.messages.at(-1)?.role === 'tool' && String(r.messages.at(-1)?.content).includes('sunday'));
    expect(JSON.parse(String(toolResult?.messages.at(-1)?.content))).toEqual({ day: 'sunday', open: true, from: '12:00', until: '21:00' });
  });
});

describe('example: receptionist transfers', () => {
  it('transfers only to the configured manager number: the model gets no tool that takes a destination', async () => {
    const { providers } = await fakes([]);
    const agent = receptionistAgent(providers, new BookingBook(), '+14155550100');
    const tools = agent.config.tools ?? [];
    expect(tools.map((t) => t.name)).toEqual(['opening_hours', 'book_table', 'transfer_to_manager']);
    expect(agent.config.builtinTools).toBe(false);
    const transfer = tools.find((t) => t.name === 'transfer_to_manager');
    // Whatever arguments the model invents, the destination is the configured number.
    expect(transfer?.parameters.safeParse({ to: '+19005550199' }).success).toBe(true);
    const dialled: string[] = [];
    const ctx = { transfer: async (to: string) => void dialled.push(to) } as unknown as Parameters<NonNullable<typeof transfer>['execute']>[1];
    await transfer?.execute({}, ctx);
    expect(dialled).toEqual(['+14155550100']);
    expect(receptionistAgent(providers).config.tools?.map((t) => t.name)).toEqual(['opening_hours', 'book_table']);
  });
});

describe('example: appointments with a keypad fallback', () => {
  it('books a slot from a date and a time typed on the keypad', async () => {
    const { openai, providers } = await fakes(['I would rather use the keypad', 'ten please my name is Ana']);
    // Matchers are tried in order: answers to tool results first, then the caller's words.
    const lastTool = (req: { messages: readonly Record<string, unknown>[] }) => {
      const m = req.messages.at(-1);
      return m?.role === 'tool' ? String(m.content) : '';
    };
    openai.chat.when((_u, req) => lastTool(req).includes('"date":"03-14"') && lastTool(req).includes('"free"'), { text: 'March fourteenth. We have times from nine to four; which one?' });
    openai.chat.when((_u, req) => lastTool(req).includes('"slot"') && lastTool(req).includes('"time"') && !lastTool(req).includes('"date"'), (req) => {
      const slot = JSON.parse(lastTool(req)).slot as number;
      return { toolCalls: [{ name: 'book_slot', arguments: { slot, name: 'Ana' } }] };
    });
    openai.chat.when((_u, req) => lastTool(req).includes('"date":"03-14"') && lastTool(req).includes('"ok":true'), { text: 'You are booked. See you then.' });
    openai.chat.when(/keypad/, { toolCalls: [{ name: 'keypad_date', arguments: {} }] });
    openai.chat.when(/ten please/, { toolCalls: [{ name: 'keypad_slot', arguments: { date: '03-14' } }] });
    const calendar = new Calendar();
    const call = await startCall({ answerUrl: await serve(appointmentsAgent(providers, calendar)) });
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(500, { timeoutMs: 20_000 });
    await call.say('I would rather use the keypad');
    await call.waitForBotSpeech({ timeoutMs: 20_000 }); // "Please type the date..."
    await call.waitForBotSilence(500, { timeoutMs: 20_000 });
    for (const d of '0314#') call.pressDigit(d);
    await call.waitForBotSpeech({ timeoutMs: 20_000 }); // "March fourteenth..."
    await call.waitForBotSilence(500, { timeoutMs: 20_000 });
    await call.say('ten please my name is Ana');
    await call.waitForBotSpeech({ timeoutMs: 20_000 }); // "Press 1 for 09:00..."
    await call.waitForBotSilence(500, { timeoutMs: 20_000 });
    for (const d of '2#') call.pressDigit(d);
    await call.waitForBotSpeech({ timeoutMs: 20_000 }); // "You are booked."
    await call.waitForBotSilence(800, { timeoutMs: 30_000 });
    await call.hangup();
    expect(calendar.booked.map((s) => [s.date, s.time, s.patient])).toEqual([['03-14', '10:00', 'Ana']]);
  });
});
