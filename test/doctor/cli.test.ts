// The acceptance run: the real `callwire doctor` against the real `callwire serve` (what
// `npm start` runs, with the built-in agent), both as child processes. Every check passes
// (ok, or skip with the local-development reason). Plus usage errors and exit codes.
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../support/emulator.js';
import { reportOf, runDoctorCli, startServeCli } from '../support/doctor-cli.js';

const open = useCleanup();

describe('callwire doctor (CLI)', () => {
  it('passes every check against a healthy `callwire serve`, and exits 0', async () => {
    const serve = open(await startServeCli());
    // 15 s of idle sees the server's default 10 s ping; the built-in agent's greeting takes longer anyway.
    // Budgets a loaded shared machine meets: the ping round trip took 206-222 ms there against
    // the 100 ms default (issue 25). The checks are still run and judged, against these.
    const run = await runDoctorCli(['--answer-url', `${serve.base}/plivo/answer`, '--idle', '15', '--json', '--first-audio-budget', '5000', '--response-budget', '10000', '--network-budget', '2000']);
    const report = reportOf(run);
    const bad = report.checks.filter((c) => c.status !== 'ok' && c.status !== 'skip').map((c) => `${c.id}: ${c.status}: ${c.seen}`);
    expect(bad).toEqual([]);
    expect(run.code).toBe(0);
    expect(report.mode).toBe('development');
    // Skips are only the local-development and no-token ones, each saying why.
    const skipped = report.checks.filter((c) => c.status === 'skip').map((c) => `${c.id}${c.target ? `(${c.target})` : ''}`);
    expect(skipped.sort()).toEqual(
      [
        'signature.answer',
        'signature.signed',
        'signature.unsigned',
        'tls.certificate(stream)',
        'tls.chain(stream)',
        'tls.expiry(stream)',
        'tls.hostname(stream)',
        'url.public(answer)',
        'url.public(stream)',
        'url.scheme(answer)',
        'url.scheme(stream)',
      ].sort(),
    );
    expect(report.checks.find((c) => c.id === 'websocket.server-pings')?.status).toBe('ok');
    expect(report.checks.find((c) => c.id === 'audio.rate')?.status).toBe('ok');
    expect(report.checks.find((c) => c.id === 'latency.checkpoint')?.status).toBe('ok');
    expect(report.checks.find((c) => c.id === 'latency.network')?.data).toMatchObject({ budgetMs: 2000 });
  });

  it('prints the table, with the fix under a failed row, and exits 1 when a check fails', async () => {
    const run = await runDoctorCli(['--stream-url', 'ws://127.0.0.1:9/stream', '--idle', '0', '--timeout', '2', '--no-call']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^check\s+result\s+seen$/m);
    expect(run.stdout).toMatch(/^url\.port \(stream\)\s+FAIL\s+127\.0\.0\.1:9 refused the connection/m);
    expect(run.stdout).toMatch(/^\s+fix: start the server on port 9/m);
    expect(run.stdout).toMatch(/checks: \d+ ok, \d+ warn, [1-9]\d* fail, \d+ skip/);
  });

  it('refuses to run without a URL (exit 2) and validates its flags', async () => {
    const none = await runDoctorCli([]);
    expect(none.code).toBe(2);
    expect(none.output).toContain('give --answer-url');
    const idle = await runDoctorCli(['--stream-url', 'ws://127.0.0.1:9/', '--idle', 'soon']);
    expect(idle.code).toBe(2);
    expect(idle.output).toContain('--idle must be a number of seconds');
    const format = await runDoctorCli(['--stream-url', 'ws://127.0.0.1:9/', '--format', 'opus']);
    expect(format.code).toBe(2);
    expect(format.output).toContain('unknown stream format');
  });
});
