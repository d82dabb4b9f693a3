// PUBLIC_URL=http://127.0.0.1:PORT is local development: `callwire serve` starts without
// --insecure, says so, and a call through its answer URL works; a non-loopback http:// URL is
// still refused (real CLI as child processes).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Spawned, freePort, runCli, spawnCli } from '../support/cli.js';

const NO_KEYS = { DEEPGRAM_API_KEY: '', OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ELEVENLABS_API_KEY: '', CARTESIA_API_KEY: '', CALLWIRE_AGENT: '', CALLWIRE_INSECURE: '' };
let proc: Spawned | undefined;
afterEach(async () => {
  proc?.child.kill('SIGTERM');
  await proc?.exited;
  proc = undefined;
});


describe('callwire serve with an http:// PUBLIC_URL', () => {
  it('a loopback one starts without --insecure, says it is local development, and serves a call', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    proc = spawnCli(['serve', '--port', String(port), '--host', '127.0.0.1', '--no-store'], { ...NO_KEYS, PUBLIC_URL: base });
    await proc.waitFor(/PUBLIC_URL http:\/\/127\.0\.0\.1:\d+ is a loopback http:\/\/ URL: local development/);
    await proc.waitFor(/callwire listening on/);
    const script = join(mkdtempSync(join(tmpdir(), 'callwire-url-')), 'greeting.txt');
    writeFileSync(script, 'wait-for-bot speech 20000\nhangup\n');
    const { code, output } = await runCli(['call', `${base}/plivo/answer`, '--script', script], NO_KEYS);
    expect(output).toMatch(/bot\s+starts speaking/);
    expect(output).toMatch(new RegExp(`connect\\s+stream \\w+ -> ws://127\\.0\\.0\\.1:${port}/plivo/stream`));
    expect(output).toMatch(/protocol errors\s+none/);
    expect(code).toBe(0);
  });

  it('a non-loopback one is still refused without --insecure', async () => {
    const { code, output } = await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store'], { ...NO_KEYS, PUBLIC_URL: 'http://agent.example.com' });
    expect(output).toMatch(/CONFIG_INVALID: publicUrl: http:\/\/ on a non-loopback host/);
    expect(code).toBe(1);
  });
});
