// A command whose only pending work is a retry's back-off must wait for it, not drain: Node
// ends a process with an unsettled top-level await with exit 13 and prints nothing. Each command
// (and a library app) runs as a real child process against a dead local port.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type Server, createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort as deadPort, type Spawned, runCli, spawnCli } from '../support/cli.js';

const NO_KEYS = { DEEPGRAM_API_KEY: '', OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ELEVENLABS_API_KEY: '', CARTESIA_API_KEY: '', CALLWIRE_AGENT: '', PLIVO_AUTH_TOKEN: '' };


let proc: Spawned | undefined;
let app: Server | undefined;
afterEach(async () => {
  proc?.child.kill('SIGKILL');
  await proc?.exited;
  proc = undefined;
  await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
  app = undefined;
});

describe('a pending retry keeps its process alive (never exit 13)', () => {
  it('callwire call ws://<dead port> exits 1 and names EMULATOR_CONNECTION_FAILED', async () => {
    const port = await deadPort();
    const r = await runCli(['call', `ws://127.0.0.1:${port}/plivo/stream`], NO_KEYS, 30_000);
    expect(r.output).toMatch(/EMULATOR_CONNECTION_FAILED.*after 3 attempts/);
    expect(r.code).toBe(1);
  });

  it('callwire call <answer URL whose XML points at a dead host> --say hi exits 1 with the coded error', async () => {
    const dead = await deadPort();
    // The guide's stale-tunnel case: the app answers, but its <Stream> URL goes nowhere.
    app = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Response><Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-mulaw;rate=8000">ws://127.0.0.1:${dead}/plivo/stream</Stream></Response>`);
    });
    await new Promise<void>((r) => app?.listen(0, '127.0.0.1', r));
    const port = (app.address() as { port: number }).port;
    const r = await runCli(['call', `http://127.0.0.1:${port}/plivo/answer`, '--say', 'hi'], NO_KEYS, 30_000);
    expect(r.output).toMatch(/EMULATOR_CONNECTION_FAILED.*after 3 attempts/);
    expect(r.code).toBe(1);
  });

  it('callwire serve with provider keys and the vendors unreachable warns with the code and serves (README)', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const env = { ...NO_KEYS, DEEPGRAM_API_KEY: 'dg-0123456789', DEEPGRAM_BASE_URL: dead, OPENAI_API_KEY: 'sk-0123456789', OPENAI_BASE_URL: `${dead}/v1`, ELEVENLABS_API_KEY: 'el-0123456789', ELEVENLABS_BASE_URL: dead };
    proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store'], env);
    await proc.waitFor(/could not verify a provider at start-up \(PROVIDER_UNAVAILABLE: could not reach Deepgram/, 30_000);
    await proc.waitFor(/callwire listening on http:\/\/127\.0\.0\.1:\d+/, 30_000);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });

  it('a library app awaiting stt.verify() at top level exits 1 with PROVIDER_UNAVAILABLE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callwire-exit-'));
    const index = pathToFileURL(join(import.meta.dirname, '../../dist/providers/deepgram/index.js')).href;
    const file = join(dir, 'app.mjs');
    writeFileSync(file, `import { DeepgramStt } from ${JSON.stringify(index)};\nconst stt = new DeepgramStt({ apiKey: 'dg-0123456789', baseUrl: 'http://127.0.0.1:${await deadPort()}' });\nawait stt.verify();\nconsole.log('verified');\n`);
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(out).toContain("code: 'PROVIDER_UNAVAILABLE'");
    expect(code).toBe(1);
  });
});

describe('callwire load against a dead local port', () => {
  it('exits 1 and says why the server was not sampled (its /healthz refused), not "not local"', async () => {
    const port = await deadPort();
    const r = await runCli(['load', `http://127.0.0.1:${port}/plivo/answer`, '--calls', '1'], NO_KEYS, 30_000);
    expect(r.output).toMatch(new RegExp(`server\\s+not sampled \\(http://127\\.0\\.0\\.1:${port}/healthz gave no sample: ECONNREFUSED\\)`));
    expect(r.code).toBe(1);
  });
});
