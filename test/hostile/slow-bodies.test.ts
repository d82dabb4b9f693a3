// Pre-auth slow bodies, beside a healthy signed call that must not lose a frame. Answer and
// status bodies are read before the signature can be checked; a client that trickles them in
// used to hold a descriptor for the 30 s request timeout, with no per-address cap, until the
// server could take no more connections. Now: with signatures required, a request without
// the signature headers is refused (403 SIGNATURE_MISSING) before its body is read; an address
// may have 8 (here) bodies in flight, more get 429 SERVER_RATE_LIMITED at once; a body must
// arrive within the body timeout (408 SERVER_REQUEST_TIMEOUT). Another address's signed answer
// goes through during the attack. Counts are the server's own, not the process's ulimit.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { computeSignatureV3 } from '../../src/protocol/index.js';
import { startDashboardServer } from '../support/dashboard.js';
import { rawRequest } from '../support/raw-http.js';
import { type Target, alongsideHealthyCall, startTarget } from './support.js';

const TOKEN = 'HOSTILE_TEST_AUTH_TOKEN_42';
let target: Target | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

/**
 * POST headers announcing a 60 KB body, then a byte every 100 ms; resolve with the status line
 * the server answered (or 'none' when it held the socket past `deadlineMs`).
 */
function slowBody(port: number, headers: Record<string, string>, deadlineMs: number, path = '/plivo/answer', length = 60000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const done = (v: string): void => {
      clearInterval(timer);
      clearTimeout(deadline);
      s.destroy();
      resolve(v);
    };
    const deadline = setTimeout(() => done('none'), deadlineMs);
    s.on('connect', () => {
      const head = Object.entries({ host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(length), ...headers })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      s.write(`POST ${path} HTTP/1.1\r\n${head}\r\n`);
      timer = setInterval(() => s.writable && s.write('a'), 100);
    });
    s.on('data', (c: Buffer) => {
      answer += c.toString();
      const line = answer.split('\r\n')[0] as string;
      if (answer.includes('\r\n\r\n')) done(`${line.split(' ')[1]} ${answer.slice(answer.indexOf('\r\n\r\n') + 4).split(':')[0]}`);
    });
    s.on('error', () => {});
    s.on('close', () => done(answer === '' ? 'closed' : answer.split(' ')[1] as string));
  });
}

describe('slow request bodies before authentication', () => {
  it('are capped per address, timed out, and refused unread without signature headers; a signed answer from elsewhere goes through', async () => {
    target = await startTarget({ authToken: TOKEN, limits: { bodyTimeoutMs: 1500, maxPendingBodies: 8 } });
    const t = target;
    const port = t.srv.port;
    const forged = () => ({ 'x-plivo-signature-v3': 'AAAA', 'x-plivo-signature-v3-nonce': randomUUID() });
    const { slow, unsigned, signed } = await alongsideHealthyCall(t, async () => {
      const slowP = Array.from({ length: 40 }, () => slowBody(port, forged(), 8000));
      const unsignedP = Array.from({ length: 20 }, () => slowBody(port, {}, 8000));
      // While the attacker holds its 8 slow bodies: Plivo (another address) answers a call.
      await new Promise((r) => setTimeout(r, 150));
      const url = `http://127.0.0.1:${port}/plivo/answer`;
      const fields = { CallUUID: randomUUID(), From: '+14155550100', To: '+14155550199' };
      const body = new URLSearchParams(fields).toString();
      const nonce = randomUUID();
      const signedP = rawRequest(url, {
        method: 'POST',
        localAddress: '127.0.0.2',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-plivo-signature-v3': computeSignatureV3({ method: 'POST', url, nonce, authToken: TOKEN, params: fields }), 'x-plivo-signature-v3-nonce': nonce },
      });
      return { slow: await Promise.all(slowP), unsigned: await Promise.all(unsignedP), signed: await signedP };
    });
    const tally = (xs: string[]): Record<string, number> => {
      const m: Record<string, number> = {};
      for (const x of xs) m[x] = (m[x] ?? 0) + 1;
      return m;
    };
    expect(tally(slow)).toEqual({ '408 SERVER_REQUEST_TIMEOUT': 8, '429 SERVER_RATE_LIMITED': 32 });
    expect(tally(unsigned)).toEqual({ '403 SIGNATURE_MISSING': 20 });
    expect(signed.status).toBe(200);
    expect(signed.body).toContain('<Stream');
    expect(t.linesFor('SERVER_RATE_LIMITED').map((l) => l.count)).toEqual([1, 10]);
    expect(t.linesFor('SIGNATURE_MISSING').map((l) => l.count)).toEqual([1, 10]);
    expect(t.linesFor('SERVER_REQUEST_TIMEOUT').map((l) => l.count)).toEqual([1]);
  });

  it('the dashboard sign-in form, in token mode, is capped per address and timed out the same way', async () => {
    const token = 'test-dashboard-token-4f9a1c2e7b';
    const d = await startDashboardServer({ host: '0.0.0.0', dashboard: { token }, server: { limits: { bodyTimeoutMs: 1500, maxPendingBodies: 4 } } });
    try {
      const port = Number(new URL(d.http).port);
      const slow = Array.from({ length: 12 }, () => slowBody(port, {}, 8000, '/api/login', 900));
      await new Promise((r) => setTimeout(r, 150));
      const owner = await rawRequest(`${d.http}/api/login`, { method: 'POST', localAddress: '127.0.0.2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
      const got = (await Promise.all(slow)).map((x) => x.split(' ')[0]);
      expect(got.filter((x) => x === '408').length).toBe(4);
      expect(got.filter((x) => x === '429').length).toBe(8);
      expect(owner.status).toBe(303);
    } finally {
      await d.close();
    }
  });
});
