// Who may use the dashboard: open on loopback; on any other bind only with the token
// (login form -> HttpOnly SameSite=Strict session cookie, or a bearer token); off, with a
// clear log line, when a non-loopback bind has no token. The token never reaches a log.
import { describe, expect, it } from 'vitest';
import { DashboardAccess, SESSION_MS, accessMode, readCookie } from '../../src/dashboard/access.js';
import { isLoopbackHost, mountDashboard } from '../../src/dashboard/index.js';
import { safeNext } from '../../src/dashboard/login.js';
import { isCallwireError } from '../../src/errors.js';
import { resolveServeConfig } from '../../src/cli/serve-config.js';
import { createServer } from '../../src/server/server.js';
import { MemoryStreamStore } from '../../src/store/index.js';
import { startDashboardServer } from '../support/dashboard.js';

const TOKEN = 'test-dashboard-token-4f9a1c2e7b';

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', body, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
}

describe('dashboard access rules', () => {
  it('knows loopback bind addresses from network ones', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', '::ffff:10.0.0.1', 'example.com', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
    expect(accessMode('127.0.0.1', undefined)).toBe('open');
    expect(accessMode('0.0.0.0', undefined)).toBe('disabled');
    expect(accessMode('0.0.0.0', TOKEN)).toBe('token');
    expect(accessMode('127.0.0.1', TOKEN)).toBe('token');
  });

  it('signs sessions that expire and cannot be forged', () => {
    let now = 1_000_000;
    const access = new DashboardAccess(TOKEN, () => now);
    access.bind('0.0.0.0');
    const cookie = access.sessionCookie(true);
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    const value = readCookie(cookie.split(';')[0], 'callwire_session') as string;
    const req = (headers: Record<string, string>) => ({ headers }) as never;
    expect(access.allowed(req({ cookie: `other=1; callwire_session=${value}` }))).toBe(true);
    expect(access.allowed(req({ cookie: `callwire_session=${value.slice(0, -2)}xx` }))).toBe(false);
    // Another token's sessions are not accepted.
    const other = new DashboardAccess(`${TOKEN}-other`, () => now);
    other.bind('0.0.0.0');
    expect(other.allowed(req({ cookie: `callwire_session=${value}` }))).toBe(false);
    expect(access.allowed(req({ authorization: `Bearer ${TOKEN}` }))).toBe(true);
    expect(access.allowed(req({ authorization: `Bearer ${TOKEN}x` }))).toBe(false);
    expect(access.allowed(req({}))).toBe(false);
    now += SESSION_MS + 1;
    expect(access.allowed(req({ cookie: `callwire_session=${value}` }))).toBe(false);
    expect(safeNext('/streams/abc')).toBe('/streams/abc');
    for (const bad of ['//evil.example/', 'https://evil.example/', '/\\evil', 'streams', undefined]) expect(safeNext(bad)).toBe('/');
  });

  it('refuses a short token and a server without a store', () => {
    const codeOf = (f: () => unknown): string => {
      try {
        f();
        return 'none';
      } catch (e) {
        return isCallwireError(e) ? e.code : String(e);
      }
    };
    expect(codeOf(() => mountDashboard(createServer({})))).toBe('CONFIG_MISSING');
    expect(codeOf(() => mountDashboard(createServer({ store: new MemoryStreamStore() }), { token: 'short' }))).toBe('CONFIG_INVALID');
    expect(resolveServeConfig({}, { DASHBOARD_TOKEN: TOKEN }).dashboardToken).toBe(TOKEN);
    expect(resolveServeConfig({ dashboardToken: TOKEN }, {}).dashboardToken).toBe(TOKEN);
    let message = '';
    try {
      resolveServeConfig({}, { DASHBOARD_TOKEN: 'tooshort-secret' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/dashboardToken: expected at least 16 characters/);
    expect(message).not.toContain('tooshort-secret');
  });

  it('is open on a loopback bind and says so at start, with the tunnel warning', async () => {
    const d = await startDashboardServer();
    try {
      expect((await fetch(`${d.http}/api/streams`)).status).toBe(200);
      const login = await fetch(`${d.http}/login`, { redirect: 'manual' });
      expect(login.status).toBe(303);
      expect(login.headers.get('location')).toBe('/');
      expect(d.logText()).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\/ .*open: the server binds loopback 127\.0\.0\.1.*set DASHBOARD_TOKEN whenever you use one/);
      // A tunnel (ngrok, cloudflared) forwards public requests to the loopback port: not local.
      const forwarded: Record<string, string>[] = [{ 'x-forwarded-for': '203.0.113.7' }, { 'x-forwarded-host': 'abc.ngrok.app' }, { 'cf-connecting-ip': '203.0.113.7' }, { forwarded: 'for=203.0.113.7' }];
      for (const header of forwarded) {
        expect((await fetch(`${d.http}/api/streams`, { headers: header })).status).toBe(403);
      }
    } finally {
      await d.close();
    }
  });

  it('is off on a network bind without a token: pages explain, the API and phone sessions refuse', async () => {
    const d = await startDashboardServer({ host: '0.0.0.0' });
    try {
      const page = await fetch(`${d.http}/`);
      expect(page.status).toBe(403);
      expect(await page.text()).toContain('DASHBOARD_TOKEN');
      expect((await fetch(`${d.http}/api/streams`)).status).toBe(403);
      expect((await fetch(`${d.http}/api/phone`, { method: 'POST' })).status).toBe(403);
      expect(d.logText()).toMatch(/dashboard and browser phone are OFF: the server binds 0\.0\.0\.0.*DASHBOARD_TOKEN is not set/);
      // Plivo's side keeps working.
      expect((await fetch(`${d.http}/healthz`)).status).toBe(200);
    } finally {
      await d.close();
    }
  });

  it('needs the token on a network bind: sign-in sets an HttpOnly SameSite=Strict cookie, bearer works, the token is never logged', async () => {
    const d = await startDashboardServer({ host: '0.0.0.0', dashboard: { token: TOKEN } });
    try {
      expect((await fetch(`${d.http}/api/streams`)).status).toBe(401);
      const page = await fetch(`${d.http}/streams/abc`, { redirect: 'manual' });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/login?next=%2Fstreams%2Fabc');
      expect((await fetch(`${d.http}/login`)).status).toBe(200);
      // Browser files are public (the login page needs them) and hold no data.
      expect((await fetch(`${d.http}/assets/style.css`)).status).toBe(200);

      const wrong = await post(`${d.http}/api/login`, 'token=not-the-token&next=%2Fphone');
      expect(wrong.status).toBe(303);
      expect(wrong.headers.get('location')).toBe('/login?failed=1&next=%2Fphone');
      expect(wrong.headers.get('set-cookie')).toBeNull();

      const right = await post(`${d.http}/api/login`, `token=${encodeURIComponent(TOKEN)}&next=%2Fphone`);
      expect(right.status).toBe(303);
      expect(right.headers.get('location')).toBe('/phone');
      const setCookie = right.headers.get('set-cookie') as string;
      expect(setCookie).toMatch(/^callwire_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
      const cookie = setCookie.split(';')[0] as string;
      expect((await fetch(`${d.http}/api/streams`, { headers: { cookie } })).status).toBe(200);
      expect((await fetch(`${d.http}/api/streams`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);

      // A sign-in from another site is refused; so is an oversized form.
      expect((await post(`${d.http}/api/login`, `token=${TOKEN}`, { origin: 'https://evil.example' })).status).toBe(403);
      expect((await post(`${d.http}/api/login`, `token=${'x'.repeat(2000)}`)).status).toBe(413);
      const logout = await post(`${d.http}/api/logout`, '', { cookie });
      expect(logout.headers.get('set-cookie')).toMatch(/^callwire_session=; .*Max-Age=0/);
      expect(d.logText()).toMatch(/sign in with DASHBOARD_TOKEN/);
      expect(d.logText()).toContain('dashboard sign-in failed');
      expect(d.logText()).not.toContain(TOKEN);
    } finally {
      await d.close();
    }
  });

  it('limits sign-in attempts per address', async () => {
    const d = await startDashboardServer({ host: '0.0.0.0', dashboard: { token: TOKEN } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) statuses.push((await post(`${d.http}/api/login`, 'token=guess')).status);
      expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true);
      expect(statuses).toContain(429);
    } finally {
      await d.close();
    }
  });
});
