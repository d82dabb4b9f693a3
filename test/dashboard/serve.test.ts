// `callwire serve` (the built CLI) mounts the dashboard with the store and applies the
// access rule from DASHBOARD_TOKEN / --dashboard-token and the bind address.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Spawned, runCli, spawnCli } from '../support/cli.js';

const TOKEN = 'serve-test-dashboard-token-51ab0c';
const running: Spawned[] = [];
const dirs: string[] = [];

function serve(host: string, env: Record<string, string> = {}): Spawned {
  const dir = mkdtempSync(join(tmpdir(), 'callwire-serve-'));
  dirs.push(dir);
  const s = spawnCli(['serve', '--port', '0', '--host', host, '--agent', 'builtin', '--db', join(dir, 'callwire.db')], env);
  running.push(s);
  return s;
}

async function base(s: Spawned): Promise<string> {
  const [, port] = await s.waitFor(/callwire listening on http:\/\/[^:]+:(\d+)/);
  return `http://127.0.0.1:${port}`;
}

afterEach(async () => {
  for (const s of running.splice(0)) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('callwire serve with the dashboard', () => {
  it('serves the dashboard on a loopback bind and says where', async () => {
    const s = serve('127.0.0.1');
    const url = await base(s);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/assets/list.js');
    expect((await fetch(`${url}/assets/phone-worklet.js`)).status).toBe(200);
    await s.waitFor(/dashboard: http:\/\/127\.0\.0\.1:\d+\/ and browser phone/);
  });

  it('keeps it off on a network bind without a token, and on with DASHBOARD_TOKEN, which is never printed', async () => {
    const off = serve('0.0.0.0');
    const offUrl = await base(off);
    expect((await fetch(`${offUrl}/api/streams`)).status).toBe(403);
    await off.waitFor(/dashboard and browser phone are OFF/);

    const on = serve('0.0.0.0', { DASHBOARD_TOKEN: TOKEN });
    const onUrl = await base(on);
    expect((await fetch(`${onUrl}/api/streams`)).status).toBe(401);
    expect((await fetch(`${onUrl}/api/streams`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    await on.waitFor(/sign in with DASHBOARD_TOKEN/);
    expect(on.output()).not.toContain(TOKEN);
  });

  it('refuses a short token at start without echoing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callwire-serve-'));
    dirs.push(dir);
    const r = await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--db', join(dir, 'x.db'), '--dashboard-token', 'short-secret-1'], {});
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/dashboardToken: expected at least 16 characters/);
    expect(r.output).not.toContain('short-secret-1');
  });
});
