// A stream whose start announces another format than the server's: the STREAM_FORMAT_MISMATCH
// warning is logged with the stream id and stored with the stream, so `callwire logs` shows it
// (real serve, call and logs as child processes on a real SQLite file).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';

describe('STREAM_FORMAT_MISMATCH', () => {
  it('reaches callwire logs: in the timeline and in the debug log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callwire-mismatch-'));
    const db = join(dir, 'callwire.db');
    writeFileSync(join(dir, 'hangup.txt'), 'wait 300\nhangup\n');
    const serve = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--db', db], { PLIVO_AUTH_TOKEN: '', PUBLIC_URL: '' });
    try {
      const [, base] = await serve.waitFor(/callwire listening on http:\/\/(127\.0\.0\.1:\d+)/);
      const call = await runCli(['call', `ws://${base}/plivo/stream`, '--format', 'l16-16k', '--script', join(dir, 'hangup.txt')]);
      expect(call.code).toBe(0);
      await serve.waitFor(/STREAM_FORMAT_MISMATCH/);
      // The stream's line in the server log carries its id.
      expect(serve.output()).toMatch(/"streamId":"[^"]+"[^\n]*STREAM_FORMAT_MISMATCH|STREAM_FORMAT_MISMATCH[^\n]*"streamId":"[^"]+"/);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    const list = await runCli(['logs', '--db', db, '--json']);
    const json = JSON.parse(list.output) as { streams?: { streamId: string }[] } | { streamId: string }[];
    const streams = Array.isArray(json) ? json : (json.streams ?? []);
    const id = streams[0]?.streamId as string;
    const detail = await runCli(['logs', id, '--db', db]);
    expect(detail.output).toMatch(/error\s+STREAM_FORMAT_MISMATCH: the answer XML declared audio\/x-mulaw;rate=8000 but start says audio\/x-l16;rate=16000/);
    expect(detail.output).toMatch(/WARN\s+the answer XML declared .* code=STREAM_FORMAT_MISMATCH/);
  });
});
