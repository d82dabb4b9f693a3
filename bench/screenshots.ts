/**
 * Screenshots of the dashboard for the README, taken from real calls: headless Chromium
 * (Debian's `chromium`, driven by playwright-core) against real callwire servers sharing one
 * SQLite store with recordings on.
 *
 * - Server A runs an LLM agent: real Deepgram and OpenAI clients talking to callwire's
 *   wire-faithful fakes of those services (no keys needed), the embedded flite voice. The
 *   fake LLM takes 650 ms to its first token, so the waterfall shows an overrun. The caller
 *   interrupts the second reply, so the transcript shows a barge-in.
 * - Server B runs the built-in agent (what `npm start` serves): emulated calls and a
 *   browser phone call from Chromium's fake microphone.
 *
 *   npm run screenshots            (writes docs/screenshots/{list,detail,phone}.png)
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { builtinAgent } from '../src/agent/builtin.js';
import { defineAgent } from '../src/agent/define-agent.js';
import { mountDashboard } from '../src/dashboard/index.js';
import { startCall } from '../src/emulator/index.js';
import { createLogger } from '../src/log/logger.js';
import { DeepgramStt } from '../src/providers/deepgram/index.js';
import { fliteTts } from '../src/providers/flite/index.js';
import { OpenAiLlm } from '../src/providers/openai/llm.js';
import { type CallwireServer, createServer } from '../src/server/server.js';
import { storeLogTap } from '../src/server/store-glue.js';
import { SqliteStreamStore } from '../src/store/index.js';
import { startFakeDeepgram } from '../src/testing/fakes/deepgram.js';
import { startFakeOpenAi } from '../src/testing/fakes/openai.js';
import { writeFakeMic } from '../test/support/fake-mic.js';

const OUT = join(process.cwd(), 'docs', 'screenshots');
const dir = mkdtempSync(join(tmpdir(), 'callwire-shots-'));
mkdirSync(OUT, { recursive: true });
const store = new SqliteStreamStore({ path: join(dir, 'callwire.db') });
const logger = createLogger({ level: 'warn', onLine: storeLogTap(store) });
const recording = { dir: join(dir, 'recordings') };

async function serve(server: CallwireServer): Promise<string> {
  mountDashboard(server);
  const { port } = await server.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

const dg = await startFakeDeepgram({ latencyMs: 90, transcripts: ['I would like to book a table for two tonight', 'actually make it four people'] });
const openai = await startFakeOpenAi({ ttftMs: 650, interTokenMs: 25 });
openai.chat.when(/book a table/, { text: 'Of course. We have tables at six, seven thirty and nine this evening, and the terrace is open if the weather holds. Which time works for you?' });
openai.chat.when(/four people/, { text: 'Four people, got it. Seven thirty?' });
const llmAgent = defineAgent({
  instructions: 'You take restaurant bookings.',
  greeting: 'Thanks for calling Luigi\'s. How can I help?',
  stt: new DeepgramStt({ apiKey: dg.apiKey, baseUrl: dg.url, endpointingMs: 300 }),
  llm: new OpenAiLlm({ apiKey: openai.apiKey, baseUrl: openai.baseUrl, model: 'gpt-4o-mini' }),
  tts: fliteTts(),
});
const a = await serve(createServer({ agent: llmAgent, store, recording, logger }));
const b = await serve(createServer({ agent: builtinAgent({ greeting: 'Hello, this is the callwire test agent.' }), store, recording, logger }));

async function builtinCall(from: string, text: string): Promise<void> {
  const call = await startCall({ answerUrl: `${b}/plivo/answer`, from, to: '+14155550199' });
  await call.waitForBotSpeech({ timeoutMs: 20_000 });
  await call.waitForBotSilence(400, { timeoutMs: 20_000 });
  await call.say(text);
  await call.waitForBotSpeech({ timeoutMs: 20_000 });
  await call.waitForBotSilence(800, { timeoutMs: 30_000 });
  await call.hangup();
}

// The booking call: two turns; the caller cuts the long first reply short.
const booking = await startCall({ answerUrl: `${a}/plivo/answer`, from: '+442071838750', to: '+14155550123' });
await booking.waitForBotSpeech({ timeoutMs: 20_000 });
await booking.waitForBotSilence(400, { timeoutMs: 20_000 });
await booking.say('I would like to book a table for two tonight');
await booking.waitForBotSpeech({ timeoutMs: 20_000 });
await new Promise((r) => setTimeout(r, 2500));
await booking.say('actually make it four people');
await booking.waitForBotSpeech({ timeoutMs: 20_000 });
await booking.waitForBotSilence(800, { timeoutMs: 30_000 });
const bookingStream = booking.streamIds[0] as string;
await booking.hangup();
await builtinCall('+14155550142', 'testing one two three');
await builtinCall('+16175550177', 'can you hear me clearly');

const profile = mkdtempSync(join(tmpdir(), 'callwire-shots-chromium-'));
const micPath = join(dir, 'mic.wav');
await writeFakeMic(micPath, [{ text: 'hello, can you hear me from the browser', atMs: 4000 }, { text: 'testing one two three', atMs: 13_000 }], 8000);
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1360, height: 860 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${micPath}%noloop`, '--autoplay-policy=no-user-gesture-required'],
  permissions: ['microphone'],
});
const page = browser.pages()[0] ?? (await browser.newPage());
const until = async (expression: string, timeoutMs = 60_000): Promise<void> => {
  const t0 = Date.now();
  while (!(await page.evaluate(expression))) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out: ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

// The browser phone, mid-call: the first turn is done, the agent is echoing the second.
await page.goto(`${b.replace('127.0.0.1', 'localhost')}/phone`);
await page.click('#call');
await until('window.callwirePhone.turns >= 1 && window.callwirePhone.spoke.length >= 2 && window.callwirePhone.agentState === "speaking"');
await new Promise((r) => setTimeout(r, 400));
await page.screenshot({ path: join(OUT, 'phone.png') });
await page.click('#hangup');

// The list, with one call still live.
const live = await startCall({ answerUrl: `${a}/plivo/answer`, from: '+4930901820', to: '+14155550123' });
await live.waitForBotSpeech({ timeoutMs: 20_000 });
await page.goto(`${a}/`);
await page.waitForSelector('tr[data-status="live"]');
await until('document.querySelectorAll("tbody tr.row").length >= 5');
await page.screenshot({ path: join(OUT, 'list.png') });
await live.hangup();

// The booking call's page.
await page.setViewportSize({ width: 1360, height: 1500 });
await page.goto(`${a}/streams/${bookingStream}`);
await page.waitForSelector('.turn-wf .wf-row[data-stage="llm"]');
await page.waitForSelector('#audio canvas.wave');
await new Promise((r) => setTimeout(r, 500));
await page.screenshot({ path: join(OUT, 'detail.png'), fullPage: true });

await browser.close();
await dg.close();
await openai.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
rmSync(profile, { recursive: true, force: true });
process.stdout.write(`screenshots written to ${OUT}\n`);
process.exit(0);
