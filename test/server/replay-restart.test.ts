// Replay after a restart: the nonce cache lives in memory, so with a SQLite store the replay
// window is also kept in the store, and a captured signed request is refused by the next
// process (or another one on the same file) within the window.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeSignatureV3 } from '../../src/protocol/signature.js';
import { SqliteStreamStore } from '../../src/store/sqlite-store.js';
import { startServer } from '../support/server.js';
import { tempDir } from '../support/store-fixtures.js';

const TOKEN = 'PLIVO_TOKEN_FOR_REPLAY_TESTS';
const PUBLIC = 'https://agent.example.com';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A signed answer request as Plivo sends it (captured once, replayed later). */
function captured(): { fields: Record<string, string>; headers: Record<string, string> } {
  const fields = { CallUUID: randomUUID(), From: '+14155550100', To: '+14155550199', Direction: 'inbound' };
  const nonce = randomUUID();
  const signature = computeSignatureV3({ method: 'POST', url: `${PUBLIC}/plivo/answer`, nonce, authToken: TOKEN, params: fields });
  return { fields, headers: { 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': nonce } };
}

async function send(http: string, req: ReturnType<typeof captured>): Promise<{ status: number; body: string }> {
  const res = await fetch(`${http}/plivo/answer`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...req.headers }, body: new URLSearchParams(req.fields).toString() });
  return { status: res.status, body: await res.text() };
}

async function serverOn(path: string | undefined): Promise<{ http: string; stop: () => Promise<void> }> {
  const store = path === undefined ? undefined : new SqliteStreamStore({ path, retentionMs: null });
  const srv = await startServer({ authToken: TOKEN, publicUrl: PUBLIC, store });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await srv.close();
    await store?.close();
  };
  cleanups.push(stop);
  return { http: srv.http, stop };
}

describe('replay window across restarts', () => {
  it('with a store, a signed request captured before a restart is refused after it, and by another process on the same file', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const db = join(t.dir, 'callwire.db');
    const req = captured();
    const first = await serverOn(db);
    expect((await send(first.http, req)).status).toBe(200);
    await first.stop();

    const restarted = await serverOn(db);
    expect(await send(restarted.http, req)).toMatchObject({ status: 403, body: expect.stringMatching(/^SIGNATURE_REPLAYED: /) });
    // A second instance on the same file shares the window.
    const other = await serverOn(db);
    const fresh = captured();
    expect((await send(restarted.http, fresh)).status).toBe(200);
    expect(await send(other.http, fresh)).toMatchObject({ status: 403, body: expect.stringMatching(/^SIGNATURE_REPLAYED: /) });
  });

  it('without a store the window is per process (documented in SECURITY.md)', async () => {
    const req = captured();
    const first = await serverOn(undefined);
    expect((await send(first.http, req)).status).toBe(200);
    expect((await send(first.http, req)).status).toBe(403);
    await first.stop();
    const restarted = await serverOn(undefined);
    expect((await send(restarted.http, req)).status).toBe(200);
  });

  it('the store keeps a nonce for the window only, then sweeps it', () => {
    const store = new SqliteStreamStore({ path: ':memory:', retentionMs: null });
    cleanups.push(() => store.close());
    const window = 600_000;
    expect(store.useNonce('n1', 1_000, window)).toBe(true);
    expect(store.useNonce('n1', 1_000 + window - 1, window)).toBe(false);
    expect(store.useNonce('n1', 1_000 + window, window)).toBe(true);
    for (let i = 0; i < 600; i++) store.useNonce(`bulk-${i}`, 10_000_000 + i, window);
    const left = store.database.prepare('SELECT COUNT(*) AS n FROM replay_nonces WHERE at < ?').get(10_000_000) as { n: number };
    expect(left.n).toBe(0);
  });
});
