// Phone numbers are personal data: logs show their last 4 digits unless --log-full-numbers.
// Checked on the logger itself and on the real server's answer and status lines.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { maskNumber } from '../../src/log/mask.js';
import { resolveServeConfig } from '../../src/cli/serve-config.js';
import { startServer, type TestServer } from '../support/server.js';

function capture(fullNumbers?: boolean): { text: () => string; lines: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  let text = '';
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const logger = createLogger({ level: 'info', pretty: false, destination, onLine: (l) => lines.push(l), fullNumbers });
  return { text: () => text, lines, logger };
}

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

describe('phone numbers in logs', () => {
  it('keeps the last 4 digits of every number field, top level and one level down; secrets stay redacted', () => {
    const c = capture();
    c.logger.info({ from: '+14155550100', to: '14155550199', fields: { From: '+44 20 7946 0958', 'SIP-H-To': 'sip:+14155550123@x', To: 'browser-phone' }, token: 'SECRET_TOKEN_1' }, 'answered');
    const out = c.text();
    for (const full of ['4155550100', '4155550199', '7946', '4155550123', 'SECRET_TOKEN_1']) expect(out).not.toContain(full);
    const line = JSON.parse(out) as Record<string, Record<string, unknown>>;
    expect(line).toMatchObject({ from: '+*******0100', to: '*******0199', fields: { From: '+** ** **** 0958', 'SIP-H-To': 'sip:+*******0123@x', To: 'browser-phone' }, token: '[redacted]' });
    // What the store's log tap receives is masked too.
    expect(JSON.stringify(c.lines)).not.toContain('4155550100');
    expect(maskNumber('1234')).toBe('1234');
    expect(maskNumber(42)).toBe(42);
  });

  it('--log-full-numbers (LOG_FULL_NUMBERS) logs them in full; secrets are still redacted', () => {
    const c = capture(true);
    c.logger.info({ from: '+14155550100', token: 'SECRET_TOKEN_1' }, 'answered');
    expect(c.text()).toContain('+14155550100');
    expect(c.text()).not.toContain('SECRET_TOKEN_1');
    expect(resolveServeConfig({ logFullNumbers: true }, {}).logFullNumbers).toBe(true);
    expect(resolveServeConfig({}, { LOG_FULL_NUMBERS: '1' }).logFullNumbers).toBe(true);
    expect(resolveServeConfig({}, {}).logFullNumbers).toBe(false);
  });

  it('the server\'s answer and status lines carry masked numbers', async () => {
    const c = capture();
    srv = await startServer({ logger: c.logger });
    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    expect((await fetch(`${srv.http}/plivo/answer`, form({ CallUUID: randomUUID(), From: '+14155550100', To: '+14155550199' }))).status).toBe(200);
    expect((await fetch(`${srv.http}/plivo/status`, form({ Event: 'SomethingNew', CallUUID: randomUUID(), From: '+14155550100' }))).status).toBe(200);
    const out = c.text();
    expect(out).toContain('answered with Stream XML');
    expect(out).toContain('*******0100');
    expect(out).not.toContain('4155550100');
    expect(out).not.toContain('4155550199');
  });
});
