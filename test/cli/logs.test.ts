// `callwire logs` as a real child process (the built CLI) against real SQLite files that the
// test writes through the store's public API.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/schema.js';
import { SqliteStreamStore } from '../../src/store/sqlite-store.js';
import type { StoredLogLine, StreamDetail, StreamSummary } from '../../src/store/types.js';
import { describeEvent } from '../../src/cli/commands/logs-format.js';
import { CLI, spawnCli } from '../support/cli.js';
import { SAMPLE, tempDir, writeSampleCall } from '../support/store-fixtures.js';

function logs(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'logs', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const t = tempDir('callwire-cli-logs-');
const db = join(t.dir, 'callwire.db');
// The writer stays open while the CLI reads, as a running server would.
let writer: SqliteStreamStore;

beforeAll(async () => {
  writer = new SqliteStreamStore({ path: db, retentionMs: null });
  writeSampleCall(writer);
  writer.streamStarted({ streamId: 'live-0001', callId: 'call-live', from: '+15550001', to: '+15550002', format: 'l16/16000', startedAt: SAMPLE.t0 + 60_000 });
  writer.streamStarted({ streamId: 'live-0002', callId: 'call-live-2', format: 'l16/16000', startedAt: SAMPLE.t0 + 61_000 });
  await writer.flush();
});
afterAll(async () => {
  await writer.close();
  t.cleanup();
});

describe('callwire logs', () => {
  it('describes a tool call in words, not JSON', () => {
    const e = { type: 'note', id: 1, at: 0, name: 'tool_call', data: { name: 'book_table', ok: true, ms: 1503, result: '{"ok":true}' } } as const;
    expect(describeEvent(e)).toBe('tool book_table ran in 1503 ms: {"ok":true}');
    expect(describeEvent({ ...e, data: { ...e.data, ok: false, result: 'Error: closed' } })).toBe('tool book_table failed in 1503 ms: Error: closed');
  });

  it('finds a stream by a unique call-id prefix (the call\'s latest stream); an ambiguous one is named', () => {
    const r = logs(['call-live-', '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Stream live-0002 /);
    const ambiguous = logs(['call-li', '--db', db]);
    expect(ambiguous.stderr).toMatch(/STORE_AMBIGUOUS_ID: "call-li" matches several calls: call-live, call-live-2/);
    expect(ambiguous.code).toBe(1);
  });

  it('prints one stream, found by a unique prefix, as text', () => {
    const r = logs([SAMPLE.streamId.slice(0, 8), '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        `Stream ${SAMPLE.streamId}  [ended]`,
        `  call        ${SAMPLE.callId}   account ${SAMPLE.accountId}`,
        `  from -> to  ${SAMPLE.from} -> ${SAMPLE.to}  (inbound)`,
        '  format      mulaw/8000',
        '  started     2025-10-09T08:53:20.000Z',
        '  ended       2025-10-09T08:53:29.000Z   duration 9.0 s',
        '  hangup      caller: caller hung up',
        '  frames      in 450 (70.3 kB)  out 300 (46.9 kB)  gaps 2  late 1  bad 0',
        '  headers     tenant=acme apiKey=[redacted]',
        '',
        'Status callbacks (2)',
        '  -0.005s  StartStream',
        '  +9.010s  StopStream',
        '',
        'Timeline (4)',
        '  +0.900s  state       speaking',
        '  +2.500s  dtmf        digit 5',
        '  +4.000s  barge_in    said "Your order shipped on Monday and should arrive", heard "Your order shipped" (900 ms) in turn 1',
        '  +4.100s  error       PROVIDER_TIMEOUT: LLM did not answer in 5000 ms (retryable)',
        '',
        'Turns (2)',
        '  #0  +0.100s',
        '     bot     Hello, how can I help you today?',
        '     marks   ttsRequest +0 | ttsFirstByte +120 | firstAudioSent +135 | firstAudioHeard +310 (ms)',
        '     stages  tts 120 ms, network 175 ms (network over budget by 75 ms)',
        '  #1  +3.000s  interrupted',
        '     caller  Where is my order?',
        '     bot     Your order shipped on Monday and should arrive',
        '     heard   Your order shipped',
        '     marks   speechEnd +0 | endOfTurn +410 | sttFinal +180 | llmRequest +420 | llmFirstToken +620 | ttsRequest +625 | ttsFirstByte +790 | firstAudioSent +800 | firstAudioHeard +905 (ms)',
        '     stages  endpointing 410 ms, stt 180 ms, llm 200 ms, tts 165 ms, network 105 ms, total 905 ms (network over budget by 5 ms)',
        '',
        'Barge-ins (1)',
        '  +4.000s  said "Your order shipped on Monday and should arrive", heard "Your order shipped" (900 ms) in turn 1',
        '',
        'Log (3 lines)',
        '  +0.001s  INFO   stream started  format=mulaw/8000',
        '  +4.000s  WARN   barge-in  heardMs=900 authorization=[redacted]',
        '  +9.000s  DEBUG  socket closed  code=1000',
        '',
      ].join('\n'),
    );
  });

  it('finds a stream by call id and prints JSON; --level and --limit filter the log', () => {
    const r = logs([SAMPLE.callId, '--json', '--level', 'info'], { CALLWIRE_DB: db });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { stream: StreamDetail; logs: StoredLogLine[] };
    expect(out.stream).toMatchObject({ streamId: SAMPLE.streamId, durationMs: 9000, hangup: { by: 'caller' }, turnCount: 2, logCount: 3 });
    expect(out.stream.turns[1]?.ledger).toMatchObject({ sttFinal: 103_180, firstAudioHeard: 103_905 });
    expect(out.stream.bargeIns).toHaveLength(1);
    expect(out.stream.dtmf.map((d) => d.digit)).toEqual(['5']);
    expect(out.logs.map((l) => l.msg)).toEqual(['stream started', 'barge-in']);
    const limited = logs([SAMPLE.streamId, '--db', db, '--limit', '1']);
    expect(limited.stdout).toContain('Log (1 of 3 lines)\n  +0.001s  INFO   stream started');
  });

  it('lists recent streams without a ref, newest first', () => {
    const r = logs(['--db', db]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STREAM\s+CALL\s+FROM -> TO\s+STARTED \(UTC\)\s+DURATION\s+STATUS\s+HANGUP$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['live-0002', 'live-0001', SAMPLE.streamId]);
    expect(lines[2]).toMatch(/^live-0001\s+call-live\s+\+15550001 -> \+15550002\s+2025-10-09T08:54:20\.000Z\s+-\s+live\s+-$/);
    const json = JSON.parse(logs(['--db', db, '--json', '--limit', '1']).stdout) as StreamSummary[];
    expect(json.map((s) => s.streamId)).toEqual(['live-0002']);
  });

  it('fails with a clear, coded message for an unknown, ambiguous or missing target', () => {
    const none = logs(['nothing-like-this', '--db', db]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`callwire: STORE_NOT_FOUND: no stream matches "nothing-like-this" in ${db}\n`);
    const ambiguous = logs(['live-000', '--db', db]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('STORE_AMBIGUOUS_ID');
    expect(ambiguous.stderr).toContain('live-0001, live-0002');
    const missing = logs(['x', '--db', join(t.dir, 'absent.db')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('STORE_NOT_FOUND: no stream database at');
    const bad = logs(['x', '--db', db, '--limit', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('CONFIG_INVALID');
  });

  it('--follow prints a live stream\'s new log lines as they are written, and stops when it ends', async () => {
    writer.streamStarted({ streamId: 'follow-me', callId: 'call-follow', format: 'mulaw/8000', startedAt: SAMPLE.t0 });
    writer.log('follow-me', { at: SAMPLE.t0 + 10, level: 'info', msg: 'before follow' });
    await writer.flush();
    const cli = spawnCli(['logs', 'follow-me', '--db', db, '--follow', '--interval', '50', '--level', 'info']);
    try {
      await cli.waitFor(/Log \(1 lines\)\n {2}\+0\.010s {2}INFO {3}before follow\n/, 30_000);
      writer.log('follow-me', { at: SAMPLE.t0 + 20, level: 'debug', msg: 'filtered out' });
      writer.log('follow-me', { at: SAMPLE.t0 + 30, level: 'warn', msg: 'while following' });
      await writer.flush();
      await cli.waitFor(/\+0\.030s {2}WARN {3}while following\n/, 30_000);
      writer.log('follow-me', { at: SAMPLE.t0 + 40, level: 'info', msg: 'last words' });
      writer.streamEnded('follow-me', { endedAt: SAMPLE.t0 + 50, hangup: { by: 'agent', reason: 'goodbye said' } });
      await writer.flush();
      expect(await cli.exited).toBe(0);
      const out = cli.output();
      expect(out).toMatch(/while following\n {2}\+0\.040s {2}INFO {3}last words\n-- stream ended: agent, goodbye said\n$/);
      expect(out).not.toContain('filtered out');
      expect(out.match(/before follow/g)).toHaveLength(1);
    } finally {
      cli.child.kill();
    }
  });

  it('--follow refuses --json and a missing ref', () => {
    const r = logs(['--follow', '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CONFIG_INVALID: --follow needs a stream');
  });

  it('reads (and upgrades) a database written by an older schema', () => {
    const old = join(t.dir, 'v1.db');
    const d = new Database(old);
    migrate(d, 1);
    d.prepare("INSERT INTO streams (stream_id, call_id, format, started_at) VALUES ('old-stream', 'old-call', 'mulaw/8000', 1000)").run();
    d.close();
    const r = logs(['old-call', '--db', old]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Stream old-stream  [live]');
  });
});
