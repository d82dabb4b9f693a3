// SIGTERM on the real CLI: /readyz turns not-ready, live calls finish, the process exits 0.
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../support/cli.js';
import { StreamClient, tryUpgrade } from '../support/stream-client.js';

/** `n` calls to the echo agent, each sending a frame every 20 ms until stopped. */
async function liveCalls(streamUrl: string, n: number): Promise<{ clients: StreamClient[]; stop: () => number }> {
  const clients = await Promise.all(Array.from({ length: n }, () => StreamClient.connect(streamUrl)));
  let sent = 0;
  for (const c of clients) c.start();
  const timer = setInterval(() => {
    for (const c of clients) if (c.closed === undefined) c.media(new Uint8Array(160).fill(0x7f));
    sent++;
  }, 20);
  return {
    clients,
    stop: () => {
      clearInterval(timer);
      return sent;
    },
  };
}

describe('callwire serve: SIGTERM drain', () => {
  it('drains a live call while /readyz says not ready, then exits 0', async () => {
    const s = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--drain-timeout', '20']);
    const [, base] = await s.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const client = await StreamClient.connect(`${(base as string).replace('http', 'ws')}/plivo/stream`);
    client.start();
    client.media(new Uint8Array(160).fill(0xff));
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    s.child.kill('SIGTERM');
    await s.waitFor(/draining: no new streams/);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, draining: true, activeStreams: 1 });
    // New streams are refused while draining.
    expect(await tryUpgrade(`${(base as string).replace('http', 'ws')}/plivo/stream`)).toMatchObject({ status: 503 });
    // The live call is still up; when it ends, the process exits 0.
    expect(client.closed).toBeUndefined();
    await client.close();
    expect(await s.exited).toBe(0);
    expect(s.output()).toContain('drained; exiting');
  });

  it('closes calls still live at the drain timeout with a stated reason, and exits 0', async () => {
    const s = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--drain-timeout', '1']);
    const [, base] = await s.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const client = await StreamClient.connect(`${(base as string).replace('http', 'ws')}/plivo/stream`);
    client.start();
    s.child.kill('SIGTERM');
    await client.waitFor(() => client.closed !== undefined, 10_000, 'close at drain timeout');
    expect(client.closed).toMatchObject({ code: 1001, reason: expect.stringContaining('server shutting down') });
    expect(await s.exited).toBe(0);
  });

  it('50 live calls: SIGTERM, /readyz 503, every call keeps its audio until it hangs up, then exit 0', async () => {
    const s = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--agent', 'echo', '--drain-timeout', '60']);
    const [, base] = await s.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const ws = `${(base as string).replace('http', 'ws')}/plivo/stream`;
    const { clients, stop } = await liveCalls(ws, 50);
    await Promise.all(clients.map((c) => c.waitFor(() => c.audioFrames.length >= 5, 20_000, 'echo before SIGTERM')));
    s.child.kill('SIGTERM');
    await s.waitFor(/draining: no new streams/);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, draining: true, activeStreams: 50 });
    expect(await tryUpgrade(ws)).toMatchObject({ status: 503, body: expect.stringMatching(/^SERVER_DRAINING: /) });
    // The calls go on while draining: their audio still comes back.
    const before = clients.map((c) => c.audioFrames.length);
    await Promise.all(clients.map((c, i) => c.waitFor(() => c.audioFrames.length >= (before[i] as number) + 10, 20_000, 'echo while draining')));
    stop();
    expect(clients.every((c) => c.closed === undefined)).toBe(true);
    // Callers hang up one by one; the process exits once the last has.
    for (const c of clients) await c.close();
    expect(await s.exited).toBe(0);
    expect(s.output()).toMatch(/drained; exiting/);
    expect(s.output()).toMatch(/"closedAtTimeout":0/);
  });

  it('50 calls still live at the drain timeout are closed with 1001 and the reason; exit 0', async () => {
    const s = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--agent', 'echo', '--drain-timeout', '1']);
    const [, base] = await s.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const { clients, stop } = await liveCalls(`${(base as string).replace('http', 'ws')}/plivo/stream`, 50);
    await Promise.all(clients.map((c) => c.waitFor(() => c.audioFrames.length >= 5, 20_000, 'echo before SIGTERM')));
    s.child.kill('SIGTERM');
    await Promise.all(clients.map((c) => c.waitFor(() => c.closed !== undefined, 20_000, 'close at the drain timeout')));
    stop();
    for (const c of clients) expect(c.closed).toEqual({ code: 1001, reason: 'server shutting down (drain timeout 1000 ms)' });
    expect(await s.exited).toBe(0);
    expect(s.output()).toMatch(/"closedAtTimeout":50/);
  });
});

