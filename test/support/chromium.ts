// Headless Chromium for the dashboard tests: Debian's `chromium` driven by playwright-core
// (no browser download). `requireChromium()` skips a test file by hand when the package is
// missing and fails under CI, like the other Debian dependencies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { type SystemDep, requireDebian } from './debian.js';

/** Debian's Chromium binary. */
export const CHROMIUM = '/usr/bin/chromium';

/** Is Chromium installed (skip reason otherwise; throws under CI). */
export function requireChromium(): SystemDep {
  return requireDebian(['chromium'], [], [CHROMIUM]);
}

/** A browser with one page; close() removes its profile. */
export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/** Options of {@link launchChromium}. */
export interface LaunchOptions {
  /** A WAV file the fake microphone plays once (Chromium's fake media device). */
  readonly fakeMicWav?: string;
  readonly viewport?: { width: number; height: number };
  /** More command-line switches (e.g. `--host-resolver-rules` to point a name at 127.0.0.1). */
  readonly args?: readonly string[];
}

/** Launch headless Chromium with a fresh profile. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'callwire-chromium-'));
  const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  args.push(...(options.args ?? []));
  if (options.fakeMicWav !== undefined) {
    // %noloop: the file plays once, then the device gives silence (not the file again).
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${options.fakeMicWav}%noloop`, '--autoplay-policy=no-user-gesture-required');
  }
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    viewport: options.viewport ?? { width: 1360, height: 900 },
    permissions: options.fakeMicWav !== undefined ? ['microphone'] : [],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Wait until a JavaScript expression is truthy in the page. The dashboard's CSP forbids
 * eval, which string predicates of waitForFunction need; page.evaluate is not subject to it.
 */
export async function waitForExpression(page: Page, expression: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await page.evaluate(expression))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
