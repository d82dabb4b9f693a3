// Guessing the dashboard token: wrong bearer tokens and wrong sign-ins share one per-address
// limit (429 SERVER_RATE_LIMITED past a burst of 10); the lock falls on the guessing address
// only, never on the account: the owner signing in from another address, with the right token,
// or with a session cookie from the locked address, keeps working. Real sockets from two local
// addresses (127.0.0.2 is the attacker).
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { startDashboardServer } from '../support/dashboard.js';
import { rawRequest } from '../support/raw-http.js';

const TOKEN = 'test-dashboard-token-4f9a1c2e7b';
const ATTACKER = '127.0.0.2';
const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('dashboard token guessing', () => {
  it('wrong bearer tokens are rate-limited per address like the sign-in form: 429 past the burst', async () => {
    // A still clock: no token refills while the test runs, however slow the machine.
    const d = await startDashboardServer({ host: '0.0.0.0', dashboard: { token: TOKEN, clock: new ManualClock() } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        statuses.push((await rawRequest(`${d.http}/api/streams`, { headers: { authorization: `Bearer guess-${i}-xxxxxxxxxxxxxxxx` }, localAddress: ATTACKER })).status);
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toEqual(Array(30).fill(429));
      const refused = await rawRequest(`${d.http}/api/streams`, { headers: { authorization: `Bearer ${TOKEN}` }, localAddress: ATTACKER });
      // Locked: even the right token is not compared from this address for now.
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'SERVER_RATE_LIMITED' });
      // The sign-in form shares the bucket.
      expect((await rawRequest(`${d.http}/api/login`, { method: 'POST', headers: form, body: 'token=guess', localAddress: ATTACKER })).status).toBe(429);
      // Sampled: 40 wrong tokens are a handful of lines.
      const lines = d.logText().split('\n').filter((l) => /DASHBOARD_AUTH_(FAILED|THROTTLED)/.test(l));
      expect(lines.length).toBeLessThanOrEqual(4);
      expect(d.logText()).not.toContain(TOKEN);
    } finally {
      await d.close();
    }
  });

  it('a sign-in flood from one address locks out that address, not the owner', async () => {
    const d = await startDashboardServer({ host: '0.0.0.0', dashboard: { token: TOKEN, clock: new ManualClock() } });
    try {
      // The owner signed in earlier, from the address the attacker will use (shared NAT, say).
      const first = await rawRequest(`${d.http}/api/login`, { method: 'POST', headers: form, body: `token=${TOKEN}`, localAddress: ATTACKER });
      const cookie = String(first.headers['set-cookie']).split(';')[0] as string;
      const flood: number[] = [];
      for (let i = 0; i < 30; i++) flood.push((await rawRequest(`${d.http}/api/login`, { method: 'POST', headers: form, body: `token=guess-${i}`, localAddress: ATTACKER })).status);
      expect(flood).toContain(429);
      // The owner elsewhere: signs in (many times: right tokens do not count), and the bearer works.
      for (let i = 0; i < 15; i++) {
        const ok = await rawRequest(`${d.http}/api/login`, { method: 'POST', headers: form, body: `token=${TOKEN}` });
        expect(ok.status, `sign-in ${i}`).toBe(303);
        expect(ok.headers['set-cookie']).toBeDefined();
      }
      expect((await rawRequest(`${d.http}/api/streams`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      // The owner's session keeps working from the locked address.
      expect((await rawRequest(`${d.http}/api/streams`, { headers: { cookie }, localAddress: ATTACKER })).status).toBe(200);
    } finally {
      await d.close();
    }
  });

  it('sign-ins sent all at once cannot pass the limit while their bodies arrive: at most the burst is compared', async () => {
    const d = await startDashboardServer({ host: '0.0.0.0', dashboard: { token: TOKEN, clock: new ManualClock() } });
    try {
      // 30 sign-ins whose headers all arrive first (each passes the check made before its body
      // is read), then all the bodies. Before, every one was compared: 30 guesses for a burst of 10.
      const sent = Array.from({ length: 30 }, (_, i) => {
        const body = `token=parallel-guess-${i}`;
        const req = request(`${d.http}/api/login`, { method: 'POST', headers: { ...form, 'content-length': String(body.length) }, localAddress: ATTACKER, agent: false });
        req.flushHeaders();
        const status = new Promise<number>((resolve, reject) => {
          req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
        });
        return { req, body, status };
      });
      // Not a timing assertion: a slow server reads the headers later, which only makes the old
      // code look better (the test cannot fail falsely, it can only pass the old code by luck).
      await new Promise((r) => setTimeout(r, 300));
      for (const s of sent) s.req.end(s.body);
      const statuses = await Promise.all(sent.map((s) => s.status));
      const compared = statuses.filter((x) => x === 303).length;
      expect(compared).toBeLessThanOrEqual(10);
      expect(statuses.filter((x) => x === 429).length).toBe(30 - compared);
    } finally {
      await d.close();
    }
  });
});
