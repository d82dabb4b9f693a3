// A web page against the stream WebSocket, beside a healthy call that must not lose a frame.
// With no PLIVO_AUTH_TOKEN any page the developer visits could open ws://127.0.0.1:8080/plivo/stream
// and drive the agent on their provider keys. Plivo sends no Origin; browsers always do. An
// upgrade carrying an Origin is refused (403 SERVER_ORIGIN_REFUSED, logged sampled) unless it
// is this server's own page with a valid phone session (the dashboard's browser phone).
import { afterEach, describe, expect, it } from 'vitest';
import { tryUpgrade } from '../support/stream-client.js';
import { type Target, alongsideHealthyCall, sampledLines, startTarget } from './support.js';

let target: Target | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

describe('cross-site WebSocket upgrades', () => {
  it('a page from another site cannot open the stream: 403 SERVER_ORIGIN_REFUSED; the dashboard page with a phone session can', async () => {
    target = await startTarget();
    const t = target;
    // A phone-session verifier like the dashboard's: one good token, usable any number of times here.
    t.srv.server.acceptStreamTokens((token) => (token === 'good-session' ? { params: { CallUUID: 'browser-call', From: 'browser-phone' }, streamId: 'browser-stream' } : undefined));
    const ws = t.srv.streamUrl;
    const own = `http://127.0.0.1:${t.srv.port}`;
    const N = 25;
    const results = await alongsideHealthyCall(t, async () => {
      const out: { what: string; r: Awaited<ReturnType<typeof tryUpgrade>> }[] = [];
      for (let i = 0; i < N; i++) {
        out.push({ what: 'evil page', r: await tryUpgrade(ws, { origin: 'https://evil.example' }) });
        out.push({ what: 'evil page with a session', r: await tryUpgrade(`${ws}?phone=good-session`, { origin: 'https://evil.example' }) });
      }
      out.push({ what: 'own page without a session', r: await tryUpgrade(ws, { origin: own }) });
      out.push({ what: 'opaque origin', r: await tryUpgrade(`${ws}?phone=good-session`, { origin: 'null' }) });
      out.push({ what: 'own page, forged session', r: await tryUpgrade(`${ws}?phone=forged`, { origin: own }) });
      out.push({ what: 'own page with a session', r: await tryUpgrade(`${ws}?phone=good-session`, { origin: own }) });
      out.push({ what: 'Plivo (no Origin)', r: await tryUpgrade(ws) });
      return out;
    });
    const refused = results.filter((x) => x.r !== 'open');
    for (const x of refused.slice(0, 2 * N + 2)) expect(x.r, x.what).toMatchObject({ status: 403, body: expect.stringMatching(/^SERVER_ORIGIN_REFUSED: /) });
    expect(results.find((x) => x.what === 'own page, forged session')?.r).toMatchObject({ status: 403, body: expect.stringMatching(/^PHONE_TOKEN_INVALID: /) });
    expect(results.filter((x) => x.r === 'open').map((x) => x.what)).toEqual(['own page with a session', 'Plivo (no Origin)']);
    expect(t.linesFor('SERVER_ORIGIN_REFUSED').map((l) => l.count)).toEqual([1, 10].slice(0, sampledLines(2 * N + 2)));
  });
});
