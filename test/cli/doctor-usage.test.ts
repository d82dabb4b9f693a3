// Doctor minors through the real CLI: a URL flag that is not a URL is a usage error, --idle 0
// skips the idle check, and an unresolvable host's TLS rows point at DNS.
import { describe, expect, it } from 'vitest';
import { reportOf, runDoctorCli } from '../support/doctor-cli.js';
import { useCleanup } from '../support/emulator.js';
import { startFakeApp } from '../support/fake-app.js';

const open = useCleanup();

describe('callwire doctor', () => {
  it.each([
    [['--answer-url', 'foo'], /--answer-url must be an absolute http:\/\/ or https:\/\/ URL .*got "foo"/],
    [['--stream-url', 'http://127.0.0.1:1/plivo/stream'], /--stream-url must be an absolute ws:\/\/ or wss:\/\/ URL/],
  ])('%j is a usage error: exit 2, one line, no report', async (args, message) => {
    const r = await runDoctorCli(args);
    expect(r.output).toMatch(message);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });

  it('--idle 0 reports websocket.idle as skipped, not ok', async () => {
    const app = open(await startFakeApp());
    const r = await runDoctorCli(['--stream-url', app.streamUrl, '--idle', '0', '--no-call', '--json', '--timeout', '2']);
    const idle = reportOf(r).checks.find((c) => c.id === 'websocket.idle');
    expect(idle).toMatchObject({ status: 'skip', seen: expect.stringContaining('--idle 0') });
  });

  it('an unresolvable host: the TLS rows point at DNS, not at the port', async () => {
    const r = await runDoctorCli(['--answer-url', 'https://callwire-doctor-test.invalid/plivo/answer', '--no-call', '--json', '--timeout', '2']);
    const tls = reportOf(r).checks.filter((c) => c.id.startsWith('tls.'));
    expect(tls.length).toBeGreaterThan(0);
    for (const c of tls) expect(c.seen).toMatch(/callwire-doctor-test\.invalid does not resolve \(\w+\), so no TLS handshake was tried \(see url\.dns\)/);
    expect(r.code).toBe(1);
  });
});
