// The TLS group against servers with certificates the test makes with openssl: self-signed,
// a chain the server sends incompletely, a certificate for another host, and expiry judged
// on the doctor's injectable clock. (A really expired certificate, which needs a trusted test
// CA, is checked through the CLI with NODE_EXTRA_CA_CERTS: see cli.test.ts.)
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/index.js';
import { issue, rootAuthority } from '../support/cert-authority.js';
import { requireDebian } from '../support/debian.js';
import { check, FAST } from '../support/doctor.js';
import { startDoctorApp } from '../support/doctor-app.js';
import { useCleanup } from '../support/emulator.js';
import { selfSignedCert } from '../support/tls.js';

const open = useCleanup();
const openssl = requireDebian(['openssl'], ['openssl']);
const DAY = 86_400_000;

describe.skipIf(!openssl.ok)('doctor TLS checks', () => {
  it('a self-signed certificate: tls.certificate fails, and the emulated call cannot connect, as Plivo could not', async () => {
    const cert = selfSignedCert('localhost') as NonNullable<ReturnType<typeof selfSignedCert>>;
    const app = open(await startDoctorApp({ tls: cert }));
    const report = await runDoctor({ ...FAST, streamUrl: app.streamUrl });
    const c = check(report, 'tls.certificate');
    expect(c.status).toBe('fail');
    expect(c.seen).toContain('self-signed certificate (localhost)');
    expect(c.fix).toContain('public CA');
    expect(check(report, 'tls.chain').status).toBe('skip');
    expect(check(report, 'tls.hostname').status).toBe('ok');
    expect(check(report, 'tls.expiry').status).toBe('ok');
    expect(check(report, 'url.scheme').status).toBe('ok');
    // The doctor's own probes do not trust certificates, so the rest is still judged.
    expect(check(report, 'websocket.idle').status).toBe('ok');
    expect(check(report, 'audio.first').status).toBe('skip');
    expect(check(report, 'audio.first').seen).toContain('could not connect');
    expect(report.ok).toBe(false);
  });

  it('days to expiry come from the certificate and the doctor\'s clock: warn under 14 days, fail once expired', async () => {
    const cert = selfSignedCert('localhost', 30) as NonNullable<ReturnType<typeof selfSignedCert>>;
    const app = open(await startDoctorApp({ tls: cert }));
    const soon = await runDoctor({ ...FAST, streamUrl: app.streamUrl, epochNow: () => Date.now() + 20 * DAY, idleMs: 0, call: false });
    const warn = check(soon, 'tls.expiry');
    expect(warn.status).toBe('warn');
    expect(warn.data.daysLeft).toBeGreaterThanOrEqual(8);
    expect(warn.data.daysLeft).toBeLessThanOrEqual(10);
    expect(warn.fix).toContain('renew');
    const later = await runDoctor({ ...FAST, streamUrl: app.streamUrl, epochNow: () => Date.now() + 45 * DAY, idleMs: 0, call: false });
    const fail = check(later, 'tls.expiry');
    expect(fail.status).toBe('fail');
    expect(fail.seen).toMatch(/expired on \d{4}-\d{2}-\d{2} \(1[45] days ago\)/);
  });

  it('a chain without its intermediate: tls.chain fails with the fullchain fix', async () => {
    const root = rootAuthority();
    const intermediate = issue(root, { cn: 'Callwire Test Intermediate', intermediate: true });
    const leaf = issue(intermediate, { cn: 'localhost', san: 'DNS:localhost,IP:127.0.0.1' });
    const app = open(await startDoctorApp({ tls: { cert: leaf.cert, key: leaf.key } }));
    const report = await runDoctor({ ...FAST, streamUrl: app.streamUrl, idleMs: 0, call: false });
    const chain = check(report, 'tls.chain');
    expect(chain.status).toBe('fail');
    expect(chain.seen).toContain('"Callwire Test Intermediate"');
    expect(chain.fix).toContain('fullchain.pem');
    expect(check(report, 'tls.certificate').status).toBe('skip');
  });

  it('a full chain up to a root nobody trusts: complete, but not trusted', async () => {
    const root = rootAuthority('Callwire Private Root');
    const intermediate = issue(root, { cn: 'Callwire Test Intermediate', intermediate: true });
    const leaf = issue(intermediate, { cn: 'localhost', san: 'DNS:localhost,IP:127.0.0.1' });
    const app = open(await startDoctorApp({ tls: { cert: leaf.cert + intermediate.cert + root.cert, key: leaf.key } }));
    const report = await runDoctor({ ...FAST, streamUrl: app.streamUrl, idleMs: 0, call: false });
    expect(check(report, 'tls.chain').status).toBe('ok');
    const c = check(report, 'tls.certificate');
    expect(c.status).toBe('fail');
    expect(c.seen).toContain('"Callwire Private Root"');
  });

  it('a certificate for another host: tls.hostname fails naming both', async () => {
    const root = rootAuthority();
    const leaf = issue(root, { cn: 'agent.example.com', san: 'DNS:agent.example.com' });
    const app = open(await startDoctorApp({ tls: { cert: leaf.cert + root.cert, key: leaf.key } }));
    const report = await runDoctor({ ...FAST, streamUrl: app.streamUrl, idleMs: 0, call: false });
    const host = check(report, 'tls.hostname');
    expect(host.status).toBe('fail');
    expect(host.seen).toContain('does not cover 127.0.0.1');
    expect(host.seen).toContain('DNS:agent.example.com');
    expect(host.fix).toContain('subjectAltName includes 127.0.0.1');
  });

  it('plain http on a wss:// URL: the TLS handshake fails', async () => {
    const app = open(await startDoctorApp());
    const report = await runDoctor({ ...FAST, streamUrl: app.streamUrl.replace(/^ws:/, 'wss:'), idleMs: 0, call: false });
    const c = check(report, 'tls.certificate');
    expect(c.status).toBe('fail');
    expect(c.seen).toContain('TLS handshake');
    expect(c.fix).toContain('serve TLS on port');
    expect(check(report, 'tls.expiry').status).toBe('skip');
  });
});
