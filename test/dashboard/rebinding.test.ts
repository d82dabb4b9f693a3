// DNS rebinding and cross-site requests against the open (loopback, no token) dashboard. A
// page on rebind.attacker.example whose DNS answer flips to 127.0.0.1 reaches the dashboard's
// port with its own name in Host, and the browser treats every response as same-origin: the
// server must refuse any Host that is not a loopback name (421 SERVER_HOST_REFUSED), and any
// cross-site Origin (403 SERVER_ORIGIN_REFUSED), on pages, the API, phone sessions,
// recordings and the live feed. Shown with forged requests and end to end in Chromium.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchChromium, requireChromium } from '../support/chromium.js';
import { type DashboardServer, startDashboardServer } from '../support/dashboard.js';
import { rawRequest } from '../support/raw-http.js';

const chromium = requireChromium();
const REBIND = 'rebind.attacker.example';

/** Every kind of dashboard route: pages, API reads, a recording, the live feed, phone sessions. */
const ROUTES: { path: string; method?: string; live?: boolean }[] = [
  { path: '/' },
  { path: '/phone' },
  { path: '/streams/s-1' },
  { path: '/api/streams' },
  { path: '/api/streams/s-1' },
  { path: '/api/streams/s-1/logs' },
  { path: '/api/streams/s-1/recording' },
  { path: '/api/streams/s-1/waveform' },
  { path: '/api/config' },
  { path: '/api/events', live: true },
  { path: '/api/phone', method: 'POST' },
];

function seed(d: DashboardServer): void {
  d.store.streamStarted({ streamId: 's-1', callId: 'c-1', format: 'mulaw/8000', startedAt: Date.now(), from: '+14155550111', to: '+14155550199' });
}

describe('dashboard against DNS rebinding and cross-site requests', () => {
  let d: DashboardServer;
  let port: number;
  let browser: Browser | undefined;
  let attacker: ReturnType<typeof createServer> | undefined;
  let attackerPort: number;

  beforeAll(async () => {
    d = await startDashboardServer();
    seed(d);
    await d.store.flush();
    port = Number(new URL(d.http).port);
    if (!chromium.ok) return;
    // The attacker's name resolves to this machine, as it does after a rebinding DNS answer.
    browser = await launchChromium({ args: [`--host-resolver-rules=MAP ${REBIND} 127.0.0.1`] });
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>attacker</title><p>hello</p>');
    });
    await new Promise<void>((r) => attacker?.listen(0, '127.0.0.1', r));
    attackerPort = (attacker.address() as AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (attacker === undefined ? r(undefined) : attacker.close(r)));
    await d?.close();
  });

  it('open mode refuses a Host that is not a loopback name with 421 SERVER_HOST_REFUSED on every route', async () => {
    for (const r of ROUTES) {
      for (const host of [`${REBIND}:${port}`, REBIND, `192.168.1.20:${port}`, `127.0.0.1.nip.io:${port}`]) {
        const res = await rawRequest(`${d.http}${r.path}`, { method: r.method, headers: { host }, headersOnly: r.live });
        expect(res.status, `${r.method ?? 'GET'} ${r.path} Host ${host}`).toBe(421);
        if (!r.live) {
          expect(JSON.parse(res.body)).toMatchObject({ code: 'SERVER_HOST_REFUSED' });
          expect(res.body).not.toContain('+14155550111');
        }
      }
    }
    // Loopback names and addresses, with and without the port, still work.
    for (const host of [`localhost:${port}`, 'localhost', `127.0.0.1:${port}`, `127.8.9.10:${port}`, `[::1]:${port}`]) {
      const res = await rawRequest(`${d.http}/api/streams`, { headers: { host } });
      expect(res.status, host).toBe(200);
      expect(res.body).toContain('+14155550111');
    }
    const lines = d.logText().split('\n').filter((l) => l.includes('SERVER_HOST_REFUSED'));
    // Sampled: a flood of refusals is a handful of lines, not one per request.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(2);
  });

  it('refuses a cross-site Origin with 403 SERVER_ORIGIN_REFUSED on every data and state-changing route', async () => {
    for (const r of ROUTES) {
      for (const origin of ['https://evil.example', `http://${REBIND}:${port}`, 'null', `http://localhost:${port + 1}`]) {
        const res = await rawRequest(`${d.http}${r.path}`, { method: r.method, headers: { origin }, headersOnly: r.live });
        expect(res.status, `${r.method ?? 'GET'} ${r.path} Origin ${origin}`).toBe(403);
      }
    }
    // The dashboard's own pages send their own origin: allowed.
    const own = await rawRequest(`${d.http}/api/streams`, { headers: { origin: d.http } });
    expect(own.status).toBe(200);
    const mint = await rawRequest(`${d.http}/api/phone`, { method: 'POST', headers: { origin: d.http } });
    expect(mint.status).toBe(201);
  });

  describe.skipIf(!chromium.ok)('in Chromium', () => {
    it('a page on a rebound host name cannot read the stream list, the live feed or mint a phone session', async () => {
      const { page } = browser as Browser;
      // The attacker's page, now at the dashboard's address and port under the attacker's name:
      // for the browser its fetches are same-origin.
      await page.goto(`http://${REBIND}:${port}/healthz`);
      const got = (await page.evaluate(`(async () => {
        const list = await fetch('/api/streams');
        const phone = await fetch('/api/phone', { method: 'POST' });
        const feed = await fetch('/api/events');
        const body = await list.text();
        return { list: list.status, phone: phone.status, feed: feed.status, body };
      })()`)) as { list: number; phone: number; feed: number; body: string };
      expect(got).toMatchObject({ list: 421, phone: 421, feed: 421 });
      expect(got.body).toContain('SERVER_HOST_REFUSED');
      expect(got.body).not.toContain('+14155550111');
    });

    it('a page from another origin cannot read the stream list or mint a phone session', async () => {
      const { page } = browser as Browser;
      await page.goto(`http://127.0.0.1:${attackerPort}/`);
      const got = (await page.evaluate(`(async () => {
        const out = {};
        for (const [name, init] of [['list', {}], ['phone', { method: 'POST' }]]) {
          try {
            const r = await fetch('http://127.0.0.1:${port}/' + (name === 'list' ? 'api/streams' : 'api/phone'), init);
            out[name] = await r.text();
          } catch (e) {
            out[name] = 'blocked';
          }
        }
        return out;
      })()`)) as { list: string; phone: string };
      expect(got).toEqual({ list: 'blocked', phone: 'blocked' });
      // The server refused them too (not only the browser's CORS check): no phone session was minted.
      expect(d.logText()).toContain('SERVER_ORIGIN_REFUSED');
    });
  });
});
