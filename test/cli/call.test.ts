// `callwire call` as a real child process (the built CLI) against purpose-built apps and
// against `callwire serve` itself.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeMulaw, parseWav, tone } from '../../src/audio/index.js';
import { encodeBase64 } from '../../src/protocol/index.js';
import { runCli, spawnCli } from '../support/cli.js';
import { useCleanup } from '../support/emulator.js';
import { startFakeApp } from '../support/fake-app.js';
import { parrot } from '../support/parrot.js';

const open = useCleanup();

function json(output: string): Record<string, unknown> {
  return JSON.parse(output.slice(output.indexOf('{'))) as Record<string, unknown>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('callwire call', () => {
  it('says a line to the app, prints the timeline and latency summary, records a stereo WAV, exits 0', async () => {
    const app = open(await startFakeApp({ onStream: (s) => void parrot(s, { replyAfterSilenceMs: 300 }) }));
    const wav = join(mkdtempSync(join(tmpdir(), 'callwire-cli-')), 'call.wav');
    const { code, output } = await runCli(['call', app.answerUrl, '--say', 'hello there', '--record', wav]);
    expect(output).toMatch(/answer\s+POST http:\/\/127\.0\.0\.1:\d+\/answer/);
    expect(output).toMatch(/caller\s+starts speaking \(say "hello there"\)/);
    expect(output).toMatch(/bot\s+starts speaking/);
    expect(output).toMatch(/response latency\s+p50 \d+ ms/);
    expect(output).toMatch(/protocol errors\s+none/);
    expect(code).toBe(0);
    const info = parseWav(readFileSync(wav));
    expect(info).toMatchObject({ channels: 2, sampleRate: 8000 });
  });

  it('exits 1 and names the error when the app breaks the protocol (wrong contentType)', async () => {
    const app = open(
      await startFakeApp({
        onStream: (s) => {
          s.send({ event: 'playAudio', media: { contentType: 'audio/x-l16', sampleRate: 16000, payload: encodeBase64(new Uint8Array(640)) } });
        },
      }),
    );
    const { code, output } = await runCli(['call', app.answerUrl, '--timeout', '5']);
    expect(output).toContain('EMULATOR_INVALID_CONTENT_TYPE (invalid_content_type)');
    expect(output).toMatch(/protocol errors\s+EMULATOR_INVALID_CONTENT_TYPE/);
    expect(code).toBe(1);
  });

  it('prints JSON with --json, runs a script, and connects straight to a ws:// URL with --format', async () => {
    const app = open(await startFakeApp({ onStream: (s) => void parrot(s, { format: 'l16/16000', replyAfterSilenceMs: 200 }) }));
    const dir = mkdtempSync(join(tmpdir(), 'callwire-cli-'));
    writeFileSync(join(dir, 'hi.ul'), encodeMulaw(tone(440, 500, 8000, { amplitude: 0.5 })));
    writeFileSync(join(dir, 'script.txt'), 'play hi.ul\nwait-for-bot speech 10000\nwait-for-bot silence 300\ndtmf 9\nhangup\n');
    const { code, output } = await runCli(['call', app.streamUrl, '--format', 'l16-16k', '--script', join(dir, 'script.txt'), '--json', '--speed', '2']);
    const report = json(output);
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, format: 'l16/16000', speed: 2, hangup: { by: 'caller', reason: 'the script hung up' } });
    const types = (report.timeline as { type: string }[]).map((e) => e.type);
    expect(types).toContain('dtmf_sent');
    expect(types).not.toContain('answer_request');
    expect((report.metrics as { responseLatencyMs: number[] }).responseLatencyMs.length).toBe(1);
  });

  it('refuses conflicting sources and bad URLs with a usage error', async () => {
    const both = await runCli(['call', 'http://127.0.0.1:9/answer', '--say', 'a', '--audio', 'b.wav']);
    expect(both.code).toBe(1);
    expect(both.output).toContain('CONFIG_INVALID: give at most one of --say, --audio and --script');
    const bad = await runCli(['call', 'ftp://x/']);
    expect(bad.output).toContain('must be an answer URL');
  });

  it('talks to `callwire serve`: the server answers and echoes the caller', async () => {
    const port = await freePort();
    const server = spawnCli(['serve', '--port', String(port), '--host', '127.0.0.1'], { PLIVO_AUTH_TOKEN: 'serve-token' });
    open({ close: async () => void server.child.kill('SIGTERM') });
    await server.waitFor(/callwire listening/);
    const { code, output } = await runCli(['call', `http://127.0.0.1:${port}/plivo/answer`, '--say', 'hello'], { PLIVO_AUTH_TOKEN: 'serve-token' });
    expect(output).toMatch(/answer\s+HTTP 200 in \d+ ms: <Stream> ws:\/\/127\.0\.0\.1:\d+\/plivo\/stream\?ctx=/);
    expect(output).toMatch(/status\s+StartStream -> HTTP 200/);
    expect(output).toMatch(/bot\s+starts speaking/);
    expect(output).toMatch(/heard [1-9]\d* ms of bot audio/);
    expect(code).toBe(0);
    // A wrong token is refused by the server: authentication_failed, exit 1.
    const refused = await runCli(['call', `http://127.0.0.1:${port}/plivo/answer`], { PLIVO_AUTH_TOKEN: 'wrong' });
    expect(refused.output).toContain('EMULATOR_AUTHENTICATION_FAILED');
    expect(refused.code).toBe(1);
  });
});

describe('callwire load', () => {
  it('load-tests `callwire serve` and prints a JSON report with the server CPU and memory', async () => {
    const port = await freePort();
    const server = spawnCli(['serve', '--port', String(port), '--host', '127.0.0.1']);
    open({ close: async () => void server.child.kill('SIGTERM') });
    await server.waitFor(/callwire listening/);
    const { code, output } = await runCli(['load', `http://127.0.0.1:${port}/plivo/answer`, '--calls', '4', '--concurrency', '2', '--duration', '2', '--ramp', '0', '--json']);
    const report = json(output) as { calls: unknown; server: { samples: number; activeStreamsMax: number; rssBytesMax: number }; protocolErrors: object };
    expect(report.calls).toEqual({ total: 4, ok: 4, failed: 0 });
    expect(report.protocolErrors).toEqual({});
    expect(report.server.samples).toBeGreaterThan(1);
    expect(report.server.activeStreamsMax).toBeGreaterThanOrEqual(1);
    expect(report.server.rssBytesMax).toBeGreaterThan(10e6);
    expect(code).toBe(0);
  });

  it('refuses --phases outside 1..20 with a coded error and no calls made', async () => {
    const { code, output } = await runCli(['load', 'ws://127.0.0.1:9/plivo/stream', '--calls', '1', '--phases', '0']);
    expect(output).toMatch(/CONFIG_INVALID/);
    expect(output).toMatch(/tickPhases must be an integer from 1 to 20/);
    expect(code).toBe(1); // coded errors exit 1, like every other command
  });

  it('refuses a URL that does not parse (port 99999) with CONFIG_INVALID, not a TypeError stack', async () => {
    for (const args of [['http://127.0.0.1:99999/answer'], ['http://127.0.0.1:1/answer', '--health-url', 'http://[::1']]) {
      const { code, output } = await runCli(['load', ...args, '--calls', '1']);
      expect(output).toMatch(/^callwire: CONFIG_INVALID: (the answer URL|--health-url) must be a http\/https URL/m);
      expect(output).not.toMatch(/TypeError|\n\s+at /);
      expect(code).toBe(1);
    }
  });
});
