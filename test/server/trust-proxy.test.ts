// --trust-proxy: the client address is the one the trusted proxy saw (the right-most
// X-Forwarded-For entry, or the entry as many hops from the right as proxies are trusted),
// never the left-most, which the client writes itself. Every per-address limit (stream
// upgrades, dashboard sign-in) keys on it, so rotating a forged X-Forwarded-For entry does
// not get past them.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { resolveServeConfig } from '../../src/cli/serve-config.js';
import { clientIp } from '../../src/server/http-io.js';
import { startDashboardServer } from '../support/dashboard.js';
import { startServer } from '../support/server.js';
import { tryUpgrade } from '../support/stream-client.js';

const TOKEN = 'test-dashboard-token-4f9a1c2e7b';
const PROXY_SAW = '198.51.100.7';

const req = (xff: string | undefined): IncomingMessage => ({ socket: { remoteAddress: '10.0.0.2' }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

describe('trusted proxies and the client address', () => {
  it('takes the X-Forwarded-For entry the trusted proxy appended, counting hops from the right', () => {
    // The client forged "1.2.3.4"; the proxy appended the address it saw.
    expect(clientIp(req(`1.2.3.4, ${PROXY_SAW}`), true)).toBe(PROXY_SAW);
    expect(clientIp(req(`1.2.3.4, ${PROXY_SAW}`), 1)).toBe(PROXY_SAW);
    // Two proxies (CDN then load balancer): the CDN appended the client, the balancer the CDN.
    expect(clientIp(req(`1.2.3.4, ${PROXY_SAW}, 203.0.113.9`), 2)).toBe(PROXY_SAW);
    // Fewer entries than hops: the left-most there is.
    expect(clientIp(req(PROXY_SAW), 3)).toBe(PROXY_SAW);
    // No header, an empty one, or no trusted proxy: the socket's peer.
    expect(clientIp(req(undefined), 1)).toBe('10.0.0.2');
    expect(clientIp(req(' , '), 1)).toBe('10.0.0.2');
    expect(clientIp(req(`1.2.3.4, ${PROXY_SAW}`), false)).toBe('10.0.0.2');
    expect(clientIp(req(`1.2.3.4, ${PROXY_SAW}`), 0)).toBe('10.0.0.2');
    expect(resolveServeConfig({}, { TRUST_PROXY: '1', TRUST_PROXY_HOPS: '2' })).toMatchObject({ trustProxy: true, trustProxyHops: 2 });
    expect(resolveServeConfig({}, {})).toMatchObject({ trustProxy: false, trustProxyHops: 1 });
  });

  it('a client rotating a forged X-Forwarded-For entry is still rate-limited on stream upgrades', async () => {
    const srv = await startServer({ trustProxy: true, limits: { upgradeBurst: 5, upgradesPerSecond: 0.01 } });
    try {
      const results: Awaited<ReturnType<typeof tryUpgrade>>[] = [];
      for (let i = 0; i < 12; i++) results.push(await tryUpgrade(srv.streamUrl, { 'x-forwarded-for': `10.9.${i}.1, ${PROXY_SAW}` }));
      expect(results.filter((r) => r === 'open').length).toBe(5);
      expect(results.slice(5)).toEqual(Array(7).fill({ status: 429, body: expect.stringMatching(/^SERVER_RATE_LIMITED: /) }));
      // Another client behind the same proxy has its own bucket.
      expect(await tryUpgrade(srv.streamUrl, { 'x-forwarded-for': '203.0.113.50' })).toBe('open');
    } finally {
      await srv.close();
    }
  });

  it('a client rotating a forged X-Forwarded-For entry is still rate-limited on dashboard sign-in', async () => {
    const d = await startDashboardServer({ host: '0.0.0.0', dashboard: { token: TOKEN }, server: { trustProxy: true } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) {
        const res = await fetch(`${d.http}/api/login`, {
          method: 'POST',
          body: 'token=guess',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `10.9.${i}.1, ${PROXY_SAW}` },
        });
        statuses.push(res.status);
      }
      expect(statuses).toContain(429);
    } finally {
      await d.close();
    }
  });
});
