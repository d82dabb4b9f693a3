// TLS through the real CLI: a self-signed certificate, and a really expired one (dates in
// 2020, made with `openssl ca`) from a test CA the doctor trusts through NODE_EXTRA_CA_CERTS,
// which Node applies to every connection of the process, the emulated call's included.
import { describe, expect, it } from 'vitest';
import { issue, rootAuthority } from '../support/cert-authority.js';
import { requireDebian } from '../support/debian.js';
import { startDoctorApp } from '../support/doctor-app.js';
import { reportOf, runDoctorCli, startServeCli } from '../support/doctor-cli.js';
import { useCleanup } from '../support/emulator.js';
import { selfSignedCert } from '../support/tls.js';

const open = useCleanup();
const openssl = requireDebian(['openssl'], ['openssl']);

function byId(report: ReturnType<typeof reportOf>, id: string): { status: string; seen: string; fix?: string } {
  const c = report.checks.find((x) => x.id === id && (x.target === undefined || x.target === 'stream'));
  if (c === undefined) throw new Error(`no ${id}`);
  return c;
}

describe.skipIf(!openssl.ok)('callwire doctor (CLI): certificates', () => {
  it('a self-signed certificate fails tls.certificate and exits 1', async () => {
    const cert = selfSignedCert('localhost') as NonNullable<ReturnType<typeof selfSignedCert>>;
    const app = open(await startDoctorApp({ tls: cert }));
    const run = await runDoctorCli(['--stream-url', app.streamUrl, '--idle', '0', '--timeout', '3']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^tls\.certificate \(stream\)\s+FAIL\s+self-signed certificate \(localhost\)/m);
  });

  it('an expired certificate from a trusted CA: only tls.expiry fails, and the emulated call is refused like Plivo would', async () => {
    const root = rootAuthority();
    const leaf = issue(root, { cn: 'localhost', san: 'DNS:localhost,IP:127.0.0.1', startDate: '20200101000000Z', endDate: '20200201000000Z' });
    const app = open(await startDoctorApp({ tls: { cert: leaf.cert, key: leaf.key } }));
    const run = await runDoctorCli(['--stream-url', app.streamUrl, '--idle', '0', '--timeout', '3', '--json'], { NODE_EXTRA_CA_CERTS: root.certPath });
    const report = reportOf(run);
    expect(run.code).toBe(1);
    const expiry = byId(report, 'tls.expiry');
    expect(expiry.status).toBe('fail');
    expect(expiry.seen).toMatch(/^expired on 2020-02-01 \(\d+ days ago\)/);
    expect(expiry.fix).toContain('renew the certificate');
    expect(byId(report, 'tls.certificate').status).toBe('ok');
    expect(byId(report, 'tls.chain').seen).toBe('complete: localhost -> Callwire Test Root');
    expect(byId(report, 'tls.hostname').status).toBe('ok');
    expect(byId(report, 'audio.first').seen).toContain('could not connect');
  });

  it('callwire serving https/wss with a certificate from a trusted CA passes every TLS check', async () => {
    const root = rootAuthority();
    const leaf = issue(root, { cn: 'localhost', san: 'DNS:localhost,IP:127.0.0.1' });
    const serve = open(await startServeCli(['--tls-cert', leaf.certPath, '--tls-key', leaf.keyPath]));
    const answerUrl = `${serve.base.replace('https://127.0.0.1', 'https://localhost')}/plivo/answer`;
    const report = reportOf(await runDoctorCli(['--answer-url', answerUrl, '--idle', '0', '--no-call', '--json'], { NODE_EXTRA_CA_CERTS: root.certPath }));
    expect(report.streamUrl).toMatch(/^wss:\/\/localhost:\d+\/plivo\/stream\?ctx=/);
    for (const id of ['url.scheme', 'tls.certificate', 'tls.chain', 'tls.hostname', 'tls.expiry', 'websocket.handshake', 'xml.parse']) {
      expect(byId(report, id).status, `${id}: ${byId(report, id).seen}`).toBe('ok');
    }
    expect(byId(report, 'tls.expiry').seen).toMatch(/valid until \d{4}-\d{2}-\d{2} \(\d+ days\)/);
    expect(report.counts.fail).toBe(0);
  });
});
