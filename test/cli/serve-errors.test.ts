// `callwire serve` with a port in use or bad TLS files: one coded line naming the flag and the
// fix, exit 1, never a Node stack (real CLI as a child process).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';

const BASE = ['serve', '--host', '127.0.0.1', '--no-store'];
let holder: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (holder ? holder.close(() => r()) : r()));
  holder = undefined;
});

function expectOneCodedLine(output: string, re: RegExp): void {
  expect(output).toMatch(re);
  expect(output).not.toMatch(/^\s+at /m);
}

describe('callwire serve start-up errors', () => {
  it('a port in use: SERVER_LISTEN_FAILED naming --port and --port 0, exit 1', async () => {
    holder = createServer();
    await new Promise<void>((r) => holder?.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    const { code, output } = await runCli([...BASE, '--port', String(port)]);
    expectOneCodedLine(output, new RegExp(`callwire: SERVER_LISTEN_FAILED: --port ${port} --host 127\\.0\\.0\\.1: port ${port} is already in use .*\\(EADDRINUSE\\): pick another with --port \\(env PORT\\), or --port 0 for a free one`));
    expect(code).toBe(1);
  });

  it('a missing TLS file: CONFIG_FILE_UNREADABLE naming the flag, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callwire-tls-'));
    writeFileSync(join(dir, 'key.pem'), 'x');
    const { code, output } = await runCli([...BASE, '--port', '0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
    expectOneCodedLine(output, /callwire: CONFIG_FILE_UNREADABLE: --tls-cert \(TLS_CERT\) .*cert\.pem: cannot read it \(ENOENT\)/);
    expect(code).toBe(1);
  });

  it('a file that is not PEM: CONFIG_INVALID naming both flags, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callwire-tls-'));
    writeFileSync(join(dir, 'cert.pem'), 'not a certificate');
    writeFileSync(join(dir, 'key.pem'), 'not a key');
    const { code, output } = await runCli([...BASE, '--port', '0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
    expectOneCodedLine(output, /callwire: CONFIG_INVALID: --tls-cert .*cert\.pem \/ --tls-key .*key\.pem: not a usable PEM certificate and matching key/);
    expect(code).toBe(1);
  });
});

describe('403 messages', () => {
  it('an unsigned call is told it was unsigned; the server names the URL as the request came (http)', async () => {
    const serve = spawnCli([...BASE, '--port', '0'], { PLIVO_AUTH_TOKEN: 'a-token-of-sixteen-chars', PUBLIC_URL: '' });
    try {
      const [, base] = await serve.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const { code, output } = await runCli(['call', `${base}/plivo/answer`], { PLIVO_AUTH_TOKEN: '' });
      expect(output).toContain('the answer URL refused the request (unsigned: no auth token given; pass --auth-token or set PLIVO_AUTH_TOKEN) with HTTP 403');
      expect(output).not.toContain('refused the signed request');
      expect(code).toBe(1);
      // Unsigned: refused before its body is read, saying which headers were missing.
      await serve.waitFor(/SIGNATURE_MISSING.*answer request refused \(403\): no X-Plivo-Signature-V3/);
      // Signed with another token: the server names the URL forms it checked, as the request came (http).
      const signed = await runCli(['call', `${base}/plivo/answer`], { PLIVO_AUTH_TOKEN: 'another-token-of-16-chars' });
      expect(signed.code).toBe(1);
      expect(signed.output).toContain('refused the signed request');
      await serve.waitFor(new RegExp(`answer request refused .*; checked ${base}/plivo/answer and 1 other URL form`));
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });
});
