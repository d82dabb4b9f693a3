// The dashboard on a phone (390 px) and a laptop (1400 px), in headless Chromium against a real
// server and real emulated calls: the page never scrolls sideways, the debug log's fields get
// the full width on a phone, their numbers are rounded, and no waterfall label wraps.
// Screenshots go to the temp dir named in the output, to look at.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchChromium, requireChromium } from '../support/chromium.js';
import { startCall } from '../../src/emulator/index.js';
import { type DashboardServer, type FinishedCall, emulatedCall, startDashboardServer, until } from '../support/dashboard.js';

const chromium = requireChromium();
const shots = mkdtempSync(join(tmpdir(), 'callwire-mobile-'));

describe.skipIf(!chromium.ok)('dashboard layout on a phone and a laptop', () => {
  let d: DashboardServer;
  let call: FinishedCall;
  const browsers: Browser[] = [];

  beforeAll(async () => {
    d = await startDashboardServer({ speed: 2 });
    call = await emulatedCall(d.http, { from: '+14155550111', speed: 2 });
  }, 120_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await d?.close();
  });

  it.each([390, 1400])('at %i px: no sideways scroll, readable log fields, rounded numbers, unwrapped axis labels', async (width) => {
    const browser = await launchChromium({ viewport: { width, height: 900 } });
    browsers.push(browser);
    const { page } = browser;
    await page.goto(`${d.http}/`);
    await page.waitForSelector(`tr[data-stream="${call.streamId}"]`);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
    await page.screenshot({ path: join(shots, `list-${width}.png`), fullPage: true });
    await page.goto(`${d.http}/streams/${call.streamId}`);
    await page.waitForSelector('#logs td.fields');
    await page.waitForSelector('.wf-axis span');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
    // The widest fields cell is at least half the page wide (it was 8 characters at 390 px).
    const fieldsWidth = (await page.evaluate("Math.max(...[...document.querySelectorAll('#logs td.fields')].map((td) => td.getBoundingClientRect().width))")) as number;
    expect(fieldsWidth).toBeGreaterThan(width / 2 - 40);
    const fields = (await page.evaluate("[...document.querySelectorAll('#logs td.fields')].map((td) => td.textContent).join(' ')")) as string;
    expect(fields).not.toMatch(/\d\.\d{2,}/);
    // Each axis label is one line (its height is one line of 11 px text).
    const heights = (await page.evaluate("[...document.querySelectorAll('.wf-axis span')].map((s) => s.getBoundingClientRect().height)")) as number[];
    expect(Math.max(...heights)).toBeLessThan(20);
    await page.screenshot({ path: join(shots, `stream-${width}.png`), fullPage: true });
    process.stdout.write(`screenshots: ${shots}\n`);
  }, 60_000);

  it('a stream its server never ended says why it has no turns, not "Nothing said yet"', async () => {
    d.store.streamStarted({ streamId: 'orphan-0001', callId: 'call-orphan', format: 'mulaw/8000', startedAt: Date.now() - 60_000 });
    await d.store.flush();
    expect(await d.store.endOrphans(Date.now() + 1)).toBeGreaterThanOrEqual(1);
    const browser = await launchChromium({ viewport: { width: 390, height: 900 } });
    browsers.push(browser);
    await browser.page.goto(`${d.http}/streams/orphan-0001`);
    await browser.page.waitForSelector('#transcript p.muted');
    expect(await browser.page.locator('#transcript p.muted').textContent()).toBe('No turns were stored: the server stopped before this call ended.');
  }, 60_000);
});

describe('a live turn', () => {
  it("is stored (so the browser phone and the stream page show it) as soon as the caller's speech ends, before the reply has played", async () => {
    const d = await startDashboardServer();
    try {
      const call = await startCall({ answerUrl: `${d.http}/plivo/answer` });
      await call.waitForBotSpeech({ timeoutMs: 20_000 });
      await call.waitForBotSilence(400, { timeoutMs: 20_000 });
      await call.say('hello from the test');
      await call.waitForBotSpeech({ timeoutMs: 20_000 }); // the echo reply has just begun (it plays for seconds)
      const streamId = call.streamIds[0] as string;
      let first: { userText: string; botText: string } | undefined;
      await until(async () => {
        const s = (await (await fetch(`${d.http}/api/streams/${streamId}`)).json()) as { turns: { userText: string; botText: string }[] };
        first = s.turns[0];
        return first !== undefined;
      }, 'the turn to be stored');
      expect(first?.botText).toBe('');
      await call.waitForBotSilence(800, { timeoutMs: 30_000 });
      await call.hangup();
      await until(async () => ((await (await fetch(`${d.http}/api/streams/${streamId}`)).json()) as { turns: { botText: string }[] }).turns[0]?.botText !== '', 'the reply to replace it');
    } finally {
      await d.close();
    }
  }, 90_000);
});
