// The signature group against callwire's own server (which checks X-Plivo-Signature-V3 on
// answer and upgrade requests) and purpose-built apps: a server that rejects valid
// signatures (another token), one that accepts unsigned upgrades although the doctor expects
// signatures, and a server that wants signatures when the doctor has no token.
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/index.js';
import { check, FAST, problems } from '../support/doctor.js';
import { startDoctorApp } from '../support/doctor-app.js';
import { useCleanup } from '../support/emulator.js';
import { startServer } from '../support/server.js';

const open = useCleanup();
const TOKEN = 'doctor-token-0123456789abcdefWXYZ';

describe('doctor signature checks', () => {
  it('a server with the same token: the answer and the signed upgrade are accepted, the unsigned one refused with 403', async () => {
    const srv = open(await startServer({ authToken: TOKEN, keepalive: { intervalMs: 500 } }));
    const report = await runDoctor({ ...FAST, answerUrl: `${srv.http}/plivo/answer`, authToken: TOKEN, call: false });
    expect(check(report, 'signature.answer').status).toBe('ok');
    expect(check(report, 'signature.unsigned').status).toBe('ok');
    expect(check(report, 'signature.unsigned').seen).toContain('HTTP 403 before the handshake');
    const signed = check(report, 'signature.signed');
    expect(signed.status).toBe('ok');
    expect(signed.seen).toContain('the URL as written');
    expect(signed.data.signedUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/plivo\/stream\?…$/);
    expect(report.signed).toBe(true);
    expect(JSON.stringify(report)).not.toContain(TOKEN);
    expect(problems(report)).toEqual([]);
  });

  it('a server that rejects valid signatures: authentication_failed, naming the URL and the token that must match', async () => {
    const app = open(await startDoctorApp({ authToken: 'the-servers-other-token-000000' }));
    const report = await runDoctor({ ...FAST, streamUrl: app.streamUrl, authToken: TOKEN });
    const signed = check(report, 'signature.signed');
    expect(signed.status).toBe('fail');
    expect(signed.seen).toContain('authentication_failed');
    expect(signed.seen).toContain('the token ending "…WXYZ"');
    expect(signed.seen).toContain(`over ${app.streamUrl} and ${app.streamUrl.replace('ws:', 'http:')}`);
    expect(signed.fix).toContain('same token');
    expect(signed.fix).toContain('exact URL in the Stream XML');
    expect(check(report, 'signature.unsigned').status).toBe('ok');
    expect(check(report, 'websocket.handshake').fix).toBe('see signature.signed');
    expect(check(report, 'audio.first').seen).toContain('EMULATOR_AUTHENTICATION_FAILED');
    expect(JSON.stringify(report)).not.toContain(TOKEN);
  });

  it('callwire with another token refuses the signed answer request too', async () => {
    const srv = open(await startServer({ authToken: 'the-servers-other-token-000000' }));
    const report = await runDoctor({ ...FAST, answerUrl: `${srv.http}/plivo/answer`, authToken: TOKEN, idleMs: 0, call: false });
    const answer = check(report, 'signature.answer');
    expect(answer.status).toBe('fail');
    expect(answer.seen).toContain('HTTP 403');
    expect(answer.fix).toContain('X-Plivo-Signature-V3');
    expect(check(report, 'xml.fetch').fix).toBe('see signature.answer');
  });

  it('a server that does not check signatures although the doctor expects it to', async () => {
    const app = open(await startDoctorApp());
    const report = await runDoctor({ ...FAST, streamUrl: app.streamUrl, authToken: TOKEN, idleMs: 0, call: false });
    const unsigned = check(report, 'signature.unsigned');
    expect(unsigned.status).toBe('fail');
    expect(unsigned.fix).toContain('HTTP 403 before the handshake');
    expect(check(report, 'signature.signed').status).toBe('ok');
  });

  it('a server that wants signatures when the doctor has no token: pass --auth-token', async () => {
    const srv = open(await startServer({ authToken: TOKEN }));
    const report = await runDoctor({ ...FAST, streamUrl: srv.streamUrl, idleMs: 0, call: false });
    expect(check(report, 'websocket.handshake').fix).toContain('--auth-token');
    const unsigned = check(report, 'signature.unsigned');
    expect(unsigned.status).toBe('skip');
    expect(unsigned.seen).toContain('it checks signatures: pass --auth-token');
    expect(check(report, 'signature.signed').status).toBe('skip');
  });
});
