// The browser phone in headless Chromium with a fake microphone fed from a WAV file: the page
// plays Plivo's side of the stream to a real server running the built-in agent. The page
// must hear the greeting, then its own words echoed back and the agent's sentence, answer
// every checkpoint, and the server's store must keep the call with the turn.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchChromium, requireChromium, waitForExpression } from '../support/chromium.js';
import { startDashboardServer, until } from '../support/dashboard.js';
import { type MicUtterance, writeFakeMic } from '../support/fake-mic.js';

const chromium = requireChromium();

interface Segment {
  startMs: number;
  endMs: number;
}

interface PhoneState {
  status: string;
  agentState: string;
  turns: number;
  streamId: string;
  format: string;
  framesSent: number;
  playAudioReceived: number;
  checkpointsReceived: number;
  checkpointsAnswered: number;
  dtmfSent: number;
  errors: string[];
  heard: Segment[];
  spoke: Segment[];
  endReason?: string;
}

const sum = (segments: readonly Segment[]): number => segments.reduce((a, s) => a + (s.endMs - s.startMs), 0);

describe.skipIf(!chromium.ok)('browser phone in Chromium', () => {
  let dir: string;
  let mic: MicUtterance;
  const micPath = (): string => join(dir, 'mic.wav');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callwire-phone-'));
    // The greeting is short and done long before the caller speaks at 4 s (margin for a loaded machine).
    [mic] = (await writeFakeMic(micPath(), [{ text: 'hello from the browser phone', atMs: 4000 }], 1000)) as [MicUtterance];
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const format of ['mulaw/8000', 'l16/16000'] as const) {
    it(`calls the agent over ${format}: greeting and echo heard in the page, checkpoints answered, the call stored`, async () => {
      const d = await startDashboardServer({ greeting: 'Hi there.', server: { format } });
      let browser: Browser | undefined;
      try {
        browser = await launchChromium({ fakeMicWav: micPath() });
        const { page } = browser;
        // http://localhost: a secure context, where browsers allow the microphone.
        await page.goto(`${d.http.replace('127.0.0.1', 'localhost')}/phone`);
        await waitForExpression(page, `document.getElementById('fmt').textContent.startsWith('${format}')`);
        await page.click('#call');
        const state = async (): Promise<PhoneState> => (await page.evaluate('window.callwirePhone')) as PhoneState;
        await waitForExpression(page, "window.callwirePhone.status === 'in call'", 20_000);

        // The caller's words went out, and a reply longer than them came back after them.
        await until(async () => (await state()).turns >= 1, 'the turn to reach the page', 45_000);
        await until(
          async () => {
            const s = await state();
            const spokeEnd = s.spoke.at(-1)?.endMs ?? Number.POSITIVE_INFINITY;
            return sum(s.heard.filter((h) => h.startMs >= spokeEnd)) >= mic.speechMs && s.agentState === 'listening';
          },
          'the echo and the sentence after it to play in the page',
          45_000,
        );
        const s = await state();
        expect(s.format).toBe(format);
        expect(s.errors).toEqual([]);
        // The greeting was heard before the caller spoke.
        const firstSpoke = s.spoke[0] as Segment;
        expect(firstSpoke.startMs).toBeGreaterThan(mic.atMs - 500);
        expect(sum(s.heard.filter((h) => h.endMs <= firstSpoke.startMs))).toBeGreaterThan(300);
        // What the page sent as speech is about as long as the speech in the file.
        expect(Math.abs(sum(s.spoke) - mic.speechMs)).toBeLessThan(600);
        expect(s.checkpointsReceived).toBeGreaterThanOrEqual(2);
        expect(s.checkpointsAnswered).toBe(s.checkpointsReceived);
        expect(await page.locator('#transcript .bubble.agent').textContent()).toMatch(/You spoke for \d\.\d seconds/);

        if (format === 'mulaw/8000') {
          // Pound: the built-in agent says goodbye and ends the call from its side.
          await page.click('#keypad button[data-digit="#"]');
          await waitForExpression(page, "window.callwirePhone.status === 'ended'", 30_000);
        } else {
          await page.click('#hangup');
          await waitForExpression(page, "window.callwirePhone.status === 'ended'");
        }
        await until(async () => (await d.store.getStream(s.streamId))?.status === 'ended', 'the store to end the call');
        const stored = await d.store.getStream(s.streamId);
        expect(stored).toMatchObject({ from: 'browser-phone', format, hangup: { by: format === 'mulaw/8000' ? 'agent' : 'caller' } });
        expect(stored?.turns).toHaveLength(1);
        // The agent measured the caller's speech from the page's frames.
        const spokeFor = Number(/You spoke for (\d\.\d) seconds/.exec(stored?.turns[0]?.botText ?? '')?.[1]);
        expect(Math.abs(spokeFor * 1000 - mic.speechMs)).toBeLessThan(700);
        if (format === 'mulaw/8000') expect(stored?.dtmf.map((e) => e.digit)).toEqual(['#']);
        expect(stored?.counters.framesIn).toBeGreaterThan(150);
      } finally {
        await browser?.close();
        await d.close();
      }
    });
  }
});
