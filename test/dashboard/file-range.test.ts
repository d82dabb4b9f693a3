// Recording downloads (sendFile): ranges, and no descriptor left behind when the client goes
// away before the file is opened or while it is being sent.
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { type Server, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sendFile } from '../../src/dashboard/file-range.js';
import { tempDir } from '../support/store-fixtures.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Descriptors this process holds on `path` (Linux /proc). */
function openOn(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}

async function serveFile(path: string, delayMs: number): Promise<number> {
  const server: Server = createServer(async (req, res) => {
    // Stands in for the API's store flush and lookup before sendFile.
    await new Promise((r) => setTimeout(r, delayMs));
    await sendFile(req, res, path, 'audio/wav');
  });
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Start a download and drop it after `afterMs`. */
function abandon(port: number, afterMs: number, range?: string): Promise<void> {
  return new Promise((resolve) => {
    const req = get({ port, host: '127.0.0.1', path: '/', headers: range === undefined ? {} : { range } });
    req.on('error', () => {});
    req.on('response', (res) => res.on('error', () => {}));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, afterMs);
  });
}

describe.runIf(process.platform === 'linux')('sendFile', () => {
  it('a client gone before the file is opened, or mid-download, leaves no descriptor on the file', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'call.wav');
    writeFileSync(path, Buffer.alloc(8 * 1024 * 1024));
    const port = await serveFile(path, 60);
    for (let i = 0; i < 10; i++) await abandon(port, 20); // gone before sendFile runs
    for (let i = 0; i < 10; i++) await abandon(port, 90, i % 2 === 0 ? 'bytes=0-' : undefined); // gone mid-body
    await new Promise((r) => setTimeout(r, 300));
    expect(openOn(path)).toBe(0);
  });

  it('serves a range with 206 and the exact bytes', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'r.wav');
    writeFileSync(path, Buffer.from(Array.from({ length: 100 }, (_, i) => i)));
    const port = await serveFile(path, 0);
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { range: 'bytes=10-19' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 10-19/100');
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual(Array.from({ length: 10 }, (_, i) => i + 10));
  });
});
