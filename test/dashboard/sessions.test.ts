// Sessions and live feeds: signing out ends the session on the server (the cookie stops
// working at once, and the live feeds opened with it end), and one client address cannot
// hold every live-feed slot with feeds it never reads (per-address cap: 429; other addresses
// still get feeds).
import { type Socket, connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startDashboardServer } from '../support/dashboard.js';
import { rawRequest } from '../support/raw-http.js';
import { SseReader } from '../support/sse.js';

const TOKEN = 'test-dashboard-token-4f9a1c2e7b';
const form = { 'content-type': 'application/x-www-form-urlencoded' };

/** A feed request from `localAddress` whose response is never read; resolves with the status line's code. */
function idleFeed(port: number, localAddress: string, sockets: Socket[]): Promise<number> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', localAddress });
    sockets.push(s);
    let head = '';
    s.on('connect', () => s.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    s.on('data', (c: Buffer) => {
      head += c.toString();
      const m = /^HTTP\/1\.1 (\d+)/.exec(head);
      // Read just the status line, then stop reading, like a client that hoards the slot.
      if (m !== null) {
        s.pause();
        s.removeAllListeners('data');
        resolve(Number(m[1]));
      }
    });
    s.on('error', () => resolve(0));
  });
}

describe('dashboard sessions and live feeds', () => {
  it('sign-out revokes the session on the server: the cookie stops working at once, and its live feeds end', async () => {
    const d = await startDashboardServer({ host: '0.0.0.0', dashboard: { token: TOKEN } });
    try {
      const signIn = async () => String((await rawRequest(`${d.http}/api/login`, { method: 'POST', headers: form, body: `token=${TOKEN}` })).headers['set-cookie']).split(';')[0] as string;
      const cookie = await signIn();
      const other = await signIn();
      expect((await rawRequest(`${d.http}/api/streams`, { headers: { cookie } })).status).toBe(200);
      const feed = await SseReader.open(`${d.http}/api/events`, { cookie });
      const otherFeed = await SseReader.open(`${d.http}/api/events`, { cookie: other });
      await feed.waitFor((m) => m.event === 'live', 'the live list');
      const out = await rawRequest(`${d.http}/api/logout`, { method: 'POST', headers: { cookie } });
      expect(out.status).toBe(303);
      // The old cookie, replayed (copied before sign-out, or from a stolen jar): refused.
      expect((await rawRequest(`${d.http}/api/streams`, { headers: { cookie } })).status).toBe(401);
      expect((await rawRequest(`${d.http}/api/events`, { headers: { cookie }, headersOnly: true })).status).toBe(401);
      await expect(feed.waitFor(() => false, 'the end of the signed-out feed', 10_000)).rejects.toThrow(/the feed ended/);
      // Another session is untouched.
      expect((await rawRequest(`${d.http}/api/streams`, { headers: { cookie: other } })).status).toBe(200);
      expect(d.dashboard.feed.clients).toBe(1);
      otherFeed.close();
    } finally {
      await d.close();
    }
  });

  it('one address cannot hold every live-feed slot: 429 past its cap; other addresses still get feeds', async () => {
    const d = await startDashboardServer();
    const port = Number(new URL(d.http).port);
    const sockets: Socket[] = [];
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 64; i++) statuses.push(await idleFeed(port, '127.0.0.2', sockets));
      expect(statuses.filter((s) => s === 200).length).toBe(8);
      expect(statuses.filter((s) => s === 429).length).toBe(56);
      // The owner (another address) still gets a live feed.
      const mine = await SseReader.open(`${d.http}/api/events`);
      await mine.waitFor((m) => m.event === 'live', 'the live list');
      mine.close();
      // The hoarder's slots come back when it goes away.
      for (const s of sockets) s.destroy();
      await expect.poll(() => d.dashboard.feed.clients, { timeout: 10_000 }).toBe(0);
      expect(await idleFeed(port, '127.0.0.2', sockets)).toBe(200);
    } finally {
      for (const s of sockets) s.destroy();
      await d.close();
    }
  });
});
