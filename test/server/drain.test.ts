// SIGTERM on the real CLI: /readyz turns not-ready, live calls finish, the process exits 0.
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../support/cli.js';
import { StreamClient, tryUpgrade } from '../support/stream-client.js';

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
});
