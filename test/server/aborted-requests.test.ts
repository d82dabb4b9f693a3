// A client abort is not a server error. Requests abandoned mid-body (answer, status, dashboard
// sign-in), mid-headers, and live feeds dropped at once, a few hundred times each: no error
// line, and the warnings they cause are sampled (a handful of lines, not one per request).
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startDashboardServer } from '../support/dashboard.js';

const TOKEN = 'test-dashboard-token-4f9a1c2e7b';

/** Send `head` (and `body`), then reset the connection once the bytes are out. */
function abandon(port: number, head: string, body = ''): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.on('close', () => resolve());
    s.on('connect', () => s.write(head + body, () => setTimeout(() => s.resetAndDestroy(), 5)));
  });
}

describe('aborted requests', () => {
  it('hundreds of requests abandoned mid-body, mid-headers or mid-feed: no error line, warnings sampled', async () => {
    const d = await startDashboardServer({ host: '0.0.0.0', dashboard: { token: TOKEN } });
    const port = Number(new URL(d.http).port);
    // Content-Length under each route's limit: the server waits for the rest, which never comes.
    const post = (path: string, length = 4000) => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${length}\r\n\r\n`;
    const kinds = [
      () => abandon(port, post('/plivo/answer'), 'CallUUID=abc&From=%2B1415'),
      () => abandon(port, post('/plivo/status'), 'Event=StartStream&Stream'),
      () => abandon(port, post('/api/login', 500), 'token=abc'),
      () => abandon(port, `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`),
      () => abandon(port, `GET /api/streams HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Half: `),
    ];
    try {
      const before = d.logText().split('\n').length;
      for (let round = 0; round < 120; round++) await Promise.all(kinds.map((k) => k()));
      await new Promise((r) => setTimeout(r, 200));
      const lines = d.logText().split('\n').slice(before - 1).filter((l) => l.startsWith('{'));
      const levels = lines.map((l) => (JSON.parse(l) as { level: number }).level);
      expect(lines.filter((_, i) => (levels[i] as number) >= 50)).toEqual([]);
      // 600 abandoned requests: sampled warnings only (1st, 10th, 100th of each code).
      expect(levels.filter((l) => l >= 40).length).toBeLessThanOrEqual(12);
      // The server still answers.
      expect((await fetch(`${d.http}/healthz`)).status).toBe(200);
    } finally {
      await d.close();
    }
  });
});
