// The real CLI against the real server with signatures on (PLIVO_AUTH_TOKEN), the doctor
// given the same token through the environment: every signature check passes; with another
// token the doctor explains authentication_failed and exits 1.
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../support/emulator.js';
import { reportOf, runDoctorCli, startServeCli } from '../support/doctor-cli.js';

const open = useCleanup();
const TOKEN = 'MzA1ZWY0ZDYtYjJmZS00NGQ1LWJhNzUtYjc1ZDJk';

describe('callwire doctor (CLI) with signatures', () => {
  it('checks answer and upgrade signatures with the token from PLIVO_AUTH_TOKEN', async () => {
    const serve = open(await startServeCli(['--ping-interval', '1'], { PLIVO_AUTH_TOKEN: TOKEN }));
    const good = reportOf(await runDoctorCli(['--answer-url', `${serve.base}/plivo/answer`, '--idle', '3', '--json', '--no-call'], { PLIVO_AUTH_TOKEN: TOKEN }));
    expect(good.signed).toBe(true);
    expect(good.checks.filter((c) => c.group === 'signature').map((c) => `${c.id}=${c.status}`)).toEqual(['signature.answer=ok', 'signature.unsigned=ok', 'signature.signed=ok']);
    expect(good.counts.fail).toBe(0);

    const bad = await runDoctorCli(['--answer-url', `${serve.base}/plivo/answer`, '--idle', '0', '--no-call', '--auth-token', 'not-the-servers-token-1234567890']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^signature\.answer\s+FAIL\s+authentication_failed/m);
    // The table wraps long text: compare with the whitespace collapsed.
    expect(bad.stdout.replace(/\s+/g, ' ')).toContain(`refused a POST signed with the token ending "…7890" over ${serve.base}/plivo/answer (HTTP 403)`);
    expect(bad.output).not.toContain(TOKEN);
  });
});
