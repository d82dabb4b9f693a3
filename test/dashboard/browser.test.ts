// The dashboard in headless Chromium (Debian's, driven by playwright-core) against a real
// server, a real SQLite file and real emulated calls: the list shows finished calls and
// filters them; a stream's page shows turns, the latency waterfall, status callbacks, the
// recording and the log; a live call updates both pages without a reload; sign-in works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCall } from '../../src/emulator/index.js';
import { type Browser, launchChromium, requireChromium, waitForExpression } from '../support/chromium.js';
import { type DashboardServer, type FinishedCall, emulatedCall, startDashboardServer, until } from '../support/dashboard.js';

const chromium = requireChromium();
const SPEED = 2;

describe.skipIf(!chromium.ok)('dashboard in Chromium', () => {
  let d: DashboardServer;
  let browser: Browser;
  let first: FinishedCall;
  let second: FinishedCall;

  beforeAll(async () => {
    d = await startDashboardServer({ speed: SPEED });
    first = await emulatedCall(d.http, { from: '+14155550111', speed: SPEED });
    second = await emulatedCall(d.http, { from: '+14155550122', speed: SPEED });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await d?.close();
  });

  it('lists finished calls and filters them by status and by number', async () => {
    const { page } = browser;
    await page.goto(`${d.http}/`);
    await page.waitForSelector(`tr[data-stream="${first.streamId}"]`);
    expect(await page.locator('tbody tr.row').count()).toBe(2);
    const row = page.locator(`tr[data-stream="${first.streamId}"]`);
    expect(await row.getAttribute('data-status')).toBe('ended');
    expect(await row.textContent()).toContain('+14155550111 → +14155550199');
    await page.fill('#q', '550122');
    await waitForExpression(page, "document.querySelectorAll('tbody tr.row').length === 1");
    expect(await page.locator(`tr[data-stream="${second.streamId}"]`).count()).toBe(1);
    expect(page.url()).toContain('q=550122');
    await page.fill('#q', '');
    await page.selectOption('#status', 'live');
    await page.waitForSelector('#empty:not([hidden])');
    await page.selectOption('#status', 'all');
    await waitForExpression(page, "document.querySelectorAll('tbody tr.row').length === 2");
  });

  it('shows a stream: turns with the waterfall against the budget, status callbacks, transcript, recording and log', async () => {
    const { page } = browser;
    await page.goto(`${d.http}/`);
    await page.click(`tr[data-stream="${first.streamId}"] td:nth-child(2)`);
    await page.waitForURL(`**/streams/${first.streamId}`);
    await page.waitForSelector('.turn-wf .wf-row[data-stage="total"]');
    const api = (await (await fetch(`${d.http}/api/streams/${first.streamId}`)).json()) as { turns: { bars: { stage: string; ms: number }[] }[] };
    const total = api.turns[0]?.bars.find((b) => b.stage === 'total')?.ms as number;
    expect(await page.locator('.wf-row[data-stage="total"] .wf-ms').textContent()).toBe(`${Math.round(total)} ms`);
    // Budgeted stages carry their budget marker.
    expect(await page.locator('.wf-row[data-stage="network"] .wf-budget').count()).toBe(1);
    expect(await page.locator('.wf-row[data-stage="network"] .wf-ms').textContent()).toMatch(/^\d+ ms \/ 100$/);
    const timeline = await page.locator('#timeline tbody').textContent();
    expect(timeline).toContain('Plivo StartStream');
    expect(timeline).toContain('Plivo StopStream');
    expect(timeline).toContain('stream ended: caller');
    expect(await page.locator('#transcript .bubble.agent:not([data-interrupted])').textContent()).toMatch(/You spoke for \d\.\d seconds/);
    expect(await page.locator('#facts').textContent()).toContain('+14155550111 → +14155550199');
    await page.waitForSelector('#audio canvas.wave');
    expect(await page.locator('#audio audio').getAttribute('src')).toBe(`/api/streams/${first.streamId}/recording`);
    // The waveform was drawn: caller and agent lanes are not blank.
    // Share of the canvas's pixels painted.
    const painted = (await page.evaluate(`(() => {
      const c = document.querySelector('#audio canvas.wave');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let lit = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) lit++;
      return lit / (c.width * c.height);
    })()`)) as number;
    expect(painted).toBeGreaterThan(0.02);
    expect(await page.locator('#logs tbody tr').count()).toBeGreaterThan(3);
    expect(await page.locator('#logs tbody').textContent()).toContain('stream started');
  });

  it('updates the list and the stream page of a live call without a reload', async () => {
    const list = browser.page;
    await list.goto(`${d.http}/`);
    await list.waitForSelector(`tr[data-stream="${first.streamId}"]`);
    await list.evaluate('window.notReloaded = true');
    await list.waitForSelector('#feed.on');

    const call = await startCall({ answerUrl: `${d.http}/plivo/answer`, from: '+14155550133', speed: SPEED });
    let detail: Awaited<ReturnType<Browser['context']['newPage']>> | undefined;
    try {
      await until(() => call.streamIds.length > 0, 'the stream to open');
      const streamId = call.streamIds[0] as string;
      await list.waitForSelector(`tr[data-stream="${streamId}"][data-status="live"]`);

      detail = await browser.context.newPage();
      await detail.goto(`${d.http}/streams/${streamId}`);
      await detail.waitForSelector('#status.live');
      await detail.evaluate('window.notReloaded = true');
      await detail.waitForSelector('#feed.on');
      expect(await detail.locator('.turn-wf').count()).toBe(0);

      await call.waitForBotSpeech({ timeoutMs: 20_000 });
      await call.waitForBotSilence(400, { timeoutMs: 20_000 });
      await call.say('a live update');
      // The turn appears on the open page: waterfall and transcript.
      await detail.waitForSelector('.turn-wf .wf-row[data-stage="total"]', { timeout: 30_000 });
      expect(await detail.locator('#transcript .bubble.agent:not([data-interrupted])').textContent()).toMatch(/You spoke for/);
      expect(await detail.locator('#timeline tbody').textContent()).toContain('agent thinking');
      await call.waitForBotSilence(800, { timeoutMs: 30_000 });
      await call.hangup();

      await detail.waitForSelector('#status:not(.live)', { timeout: 20_000 });
      expect(await detail.locator('#status').textContent()).toBe('ended');
      await waitForExpression(detail, "document.querySelector('#timeline tbody').textContent.includes('Plivo StopStream')");
      await list.waitForSelector(`tr[data-stream="${streamId}"][data-status="ended"]`);
      expect(await list.locator(`tr[data-stream="${streamId}"] td:nth-child(6)`).textContent()).toBe('1');
      expect(await detail.evaluate('window.notReloaded')).toBe(true);
      expect(await list.evaluate('window.notReloaded')).toBe(true);
    } finally {
      if (!call.isEnded) await call.hangup();
      await detail?.close();
    }
  });

  it('asks for the token when the server binds a network address', async () => {
    const token = 'browser-test-dashboard-token-9d1e';
    const guarded = await startDashboardServer({ host: '0.0.0.0', dashboard: { token } });
    const page = await browser.context.newPage();
    try {
      await page.goto(`${guarded.http}/phone`);
      await page.waitForURL('**/login?next=%2Fphone');
      await page.fill('input[name="token"]', 'wrong-token-wrong-token');
      await page.click('button[type="submit"]');
      await page.waitForSelector('#failed:not([hidden])');
      await page.fill('input[name="token"]', token);
      await page.click('button[type="submit"]');
      await page.waitForURL(`${guarded.http}/phone`);
      await page.waitForSelector('#logout:not([hidden])');
      const cookies = await browser.context.cookies(guarded.http);
      expect(cookies.find((c) => c.name === 'callwire_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(await page.content()).not.toContain(token);
    } finally {
      await page.close();
      await guarded.close();
    }
  });
});
