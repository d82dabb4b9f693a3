// Hostile clients before the handshake, over real sockets, each beside a healthy (signed)
// call that must not lose a frame: a slowloris upgrade, many upgrades from one address, and
// unsigned, forged and replayed signatures on the stream upgrade, the answer URL and the
// status callback. Each gets an HTTP refusal whose body starts with its code; each code is
// logged sampled (1st, 10th, 100th, ... with the count); no token or signature reaches the log.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { computeSignatureV3 } from '../../src/protocol/index.js';
import { collected } from '../support/gc.js';
import { signedHeaders, tryUpgrade } from '../support/stream-client.js';
import { type Target, alongsideHealthyCall, sampledLines, startTarget } from './support.js';

const TOKEN = 'HOSTILE_TEST_AUTH_TOKEN_42';
let target: Target | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

async function post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
  return { status: res.status, body: await res.text() };
}

/** Send headers one line at a time, slower than the server allows; resolve with what it answered. */
function slowloris(port: number, lineEveryMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    s.on('connect', () => {
      s.write('GET /plivo/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
      timer = setInterval(() => s.writable && s.write(`X-Slow-${randomUUID().slice(0, 4)}: 1\r\n`), lineEveryMs);
    });
    s.on('data', (c: Buffer) => (answer += c.toString()));
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(timer);
      resolve(answer);
    });
    setTimeout(() => reject(new Error('the server kept a slowloris connection open for 15 s')), 15_000).unref();
  });
}

/** Send one raw request head and resolve with the whole answer (the server closes or we time out). */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let answer = '';
    s.on('connect', () => s.write(head));
    s.on('data', (c: Buffer) => {
      answer += c.toString();
      // A complete answer with a body: stop reading (keep-alive would hold the socket open).
      const len = /content-length: (\d+)/i.exec(answer);
      const end = answer.indexOf('\r\n\r\n');
      if (len && end >= 0 && answer.length >= end + 4 + Number(len[1])) s.destroy();
    });
    s.on('error', () => {});
    s.on('close', () => resolve(answer));
    setTimeout(() => s.destroy(), 5_000).unref();
  });
}

describe('before the handshake', () => {
  it('request targets Node accepts but a URL parser refuses: 400 SERVER_BAD_REQUEST, sampled warnings, no error log', async () => {
    target = await startTarget();
    const t = target;
    const targets = ['//[', '//x:99999', '//a:b', '//[::1', 'http://[/plivo/answer'];
    const heads = targets.flatMap((u) => [`GET ${u} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, `GET ${u} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`]);
    const answers = await alongsideHealthyCall(t, () => Promise.all(heads.map((h) => rawRequest(t.srv.port, h))));
    for (const a of answers) {
      expect(a).toMatch(/^HTTP\/1\.1 400 /);
      expect(a).toContain('SERVER_BAD_REQUEST: bad request URL');
    }
    expect(t.linesFor('SERVER_BAD_REQUEST').map((l) => l.count)).toEqual([1, 10]);
    expect(t.logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('slowloris upgrades are answered 408 SERVER_REQUEST_TIMEOUT and closed at the headers timeout', async () => {
    target = await startTarget({ limits: { headersTimeoutMs: 400 } });
    const t = target;
    const answers = await alongsideHealthyCall(t, () => Promise.all(Array.from({ length: 12 }, () => slowloris(t.srv.port, 100))));
    for (const a of answers) {
      expect(a).toMatch(/^HTTP\/1\.1 408 /);
      expect(a).toContain('SERVER_REQUEST_TIMEOUT: request headers not complete within 400 ms');
    }
    expect(t.linesFor('SERVER_REQUEST_TIMEOUT').map((l) => l.count)).toEqual([1, 10]);
  });

  it('many upgrades from one address: 429 SERVER_RATE_LIMITED past the burst; streams released', async () => {
    target = await startTarget({ limits: { upgradeBurst: 20, upgradesPerSecond: 1 } });
    const t = target;
    let elapsedMs = 0;
    const results = await alongsideHealthyCall(t, async () => {
      const out: Awaited<ReturnType<typeof tryUpgrade>>[] = [];
      const t0 = performance.now();
      for (let i = 0; i < 150; i++) out.push(await tryUpgrade(t.srv.streamUrl));
      elapsedMs = performance.now() - t0;
      return out;
    });
    const refused = results.filter((r) => r !== 'open');
    // The bucket refills at 1 a second while the 150 upgrades run: on an idle machine they take
    // under a second (20 opens), under load several (21 was seen, issue 25). The limit is the
    // burst plus what refilled in the time they took, whatever that time was.
    const allowed = 20 + Math.ceil(elapsedMs / 1000);
    expect(results.filter((r) => r === 'open').length).toBeLessThanOrEqual(allowed);
    // At least the burst, less the one upgrade the healthy call beside took from the same address.
    expect(results.filter((r) => r === 'open').length).toBeGreaterThanOrEqual(19);
    expect(refused.length).toBeGreaterThanOrEqual(150 - allowed);
    for (const r of refused) expect(r).toMatchObject({ status: 429, body: expect.stringMatching(/^SERVER_RATE_LIMITED: /) });
    expect(t.linesFor('SERVER_RATE_LIMITED').map((l) => l.count)).toEqual([1, 10, 100].slice(0, sampledLines(refused.length)));
    while (t.srv.server.streams.size > 0) await new Promise((r) => setTimeout(r, 20));
    await collected(t.refs);
  });
});

describe('unsigned, forged and replayed signatures', () => {
  const N = 12;

  const signPost = (url: string, fields: Record<string, string>, token = TOKEN, nonce = randomUUID()) => ({
    'x-plivo-signature-v3': computeSignatureV3({ method: 'POST', url, nonce, authToken: token, params: fields }),
    'x-plivo-signature-v3-nonce': nonce,
  });

  it('on the stream upgrade, the answer URL and status callbacks: 403 with the code; each code logged sampled; nothing secret logged', async () => {
    target = await startTarget({ authToken: TOKEN });
    const t = target;
    const ws = t.srv.streamUrl;
    const fields = { CallUUID: randomUUID(), From: '+14155550100', To: '+14155550199', Event: 'StartStream' };
    const codes: Record<string, number> = { SIGNATURE_MISSING: 0, SIGNATURE_MISMATCH: 0, SIGNATURE_REPLAYED: 0 };
    const expectCode = (r: unknown, code: string): void => {
      codes[code] = (codes[code] as number) + 1;
      expect(r).toMatchObject({ status: 403, body: expect.stringMatching(new RegExp(`^${code}: `)) });
    };
    await alongsideHealthyCall(t, async () => {
      const replayUpgrade = signedHeaders(ws, TOKEN);
      expect(await tryUpgrade(ws, replayUpgrade)).toBe('open');
      for (const route of ['answer', 'status'] as const) {
        const url = `${t.srv.http}/plivo/${route}`;
        const replay = signPost(url, fields);
        expect((await post(url, fields, replay)).status).toBe(200);
        for (let i = 0; i < N; i++) {
          expectCode(await post(url, fields), 'SIGNATURE_MISSING');
          expectCode(await post(url, fields, signPost(url, fields, 'FORGED_TOKEN_0000000000')), 'SIGNATURE_MISMATCH');
          expectCode(await post(url, { ...fields, From: '+19995550000' }, signPost(url, fields)), 'SIGNATURE_MISMATCH');
          expectCode(await post(url, fields, replay), 'SIGNATURE_REPLAYED');
        }
      }
      // The stream URL's query (it carries the caller's numbers) is not logged.
      expectCode(await tryUpgrade(`${ws}?ctx=CALLER_PARAMS_SECRET`), 'SIGNATURE_MISSING');
      for (let i = 0; i < N; i++) {
        expectCode(await tryUpgrade(ws), 'SIGNATURE_MISSING');
        expectCode(await tryUpgrade(ws, signedHeaders(ws, 'FORGED_TOKEN_0000000000')), 'SIGNATURE_MISMATCH');
        expectCode(await tryUpgrade(ws, replayUpgrade), 'SIGNATURE_REPLAYED');
      }
    });
    for (const [code, n] of Object.entries(codes)) {
      expect(t.linesFor(code).map((l) => l.count)).toEqual([1, 10, 100].slice(0, sampledLines(n)));
      for (const l of t.linesFor(code)) expect(String(l.msg)).toMatch(/^authentication_failed: /);
    }
    const text = JSON.stringify(t.logs);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('FORGED_TOKEN');
    expect(text).not.toContain('CALLER_PARAMS_SECRET');
    // No signature value either (44 base64 characters).
    expect(text).not.toMatch(/[A-Za-z0-9+/]{43}=/);
  });

  it('X-Plivo-Signature-Ma-V3 is checked with the main account\'s token (subaccounts), and only with it', async () => {
    target = await startTarget({ authToken: TOKEN, mainAuthToken: 'MAIN_ACCOUNT_TOKEN_0000000' });
    const t = target;
    const ws = t.srv.streamUrl;
    const ma = (token: string) => {
      const h = signedHeaders(ws, token);
      return { 'x-plivo-signature-ma-v3': h['x-plivo-signature-v3'] as string, 'x-plivo-signature-v3-nonce': h['x-plivo-signature-v3-nonce'] as string };
    };
    await alongsideHealthyCall(t, async () => {
      expect(await tryUpgrade(ws, ma('MAIN_ACCOUNT_TOKEN_0000000'))).toBe('open');
      expect(await tryUpgrade(ws, ma(TOKEN))).toMatchObject({ status: 403, body: expect.stringMatching(/^SIGNATURE_MISMATCH: /) });
      const url = `${t.srv.http}/plivo/status`;
      const fields = { Event: 'StopStream', StreamID: randomUUID() };
      const nonce = randomUUID();
      const sig = computeSignatureV3({ method: 'POST', url, nonce, authToken: 'MAIN_ACCOUNT_TOKEN_0000000', params: fields });
      expect((await post(url, fields, { 'x-plivo-signature-ma-v3': sig, 'x-plivo-signature-v3-nonce': nonce })).status).toBe(200);
    });
  });

  it('a transfer URL whose destination this server did not sign is refused', async () => {
    target = await startTarget();
    const t = target;
    await alongsideHealthyCall(t, async () => {
      for (const q of ['to=%2B14155550100', 'to=%2B14155550100&t=forged', 'to=sip%3Aevil%40example.com&t=AAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
        expect(await post(`${t.srv.http}/plivo/transfer?${q}`, {})).toMatchObject({ status: 403, body: expect.stringMatching(/^SIGNATURE_MISMATCH: /) });
      }
    });
    expect(t.linesFor('SIGNATURE_MISMATCH').map((l) => l.count)).toEqual([1]);
  });
});

