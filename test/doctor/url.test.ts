// The URL group: ws:// where callwire wants wss:// (Plivo accepts both), a loopback host judged as production, a port
// nothing listens on, a host that does not resolve, and stale tunnels (answer XML pointing at a
// host that no longer answers, or at an ngrok tunnel that is offline).
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/index.js';
import { streamXml } from '../../src/protocol/index.js';
import { check, FAST } from '../support/doctor.js';
import { startDoctorApp } from '../support/doctor-app.js';
import { useCleanup } from '../support/emulator.js';

const open = useCleanup();

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** An ngrok edge whose tunnel is offline: every request gets 404 and ERR_NGROK_3200. */
async function offlineNgrok(): Promise<{ url: string; close(): Promise<void> }> {
  const body = 'Tunnel abc123.ngrok-free.app not found\n\nERR_NGROK_3200\n';
  const server = createHttpServer((_req, res) => res.writeHead(404, { 'ngrok-error-code': 'ERR_NGROK_3200', 'content-type': 'text/plain' }).end(body));
  server.on('upgrade', (_req, socket) => {
    socket.end(`HTTP/1.1 404 Not Found\r\nngrok-error-code: ERR_NGROK_3200\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/stream`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('doctor URL checks', () => {
  it('ws:// judged as production: url.scheme fails with the wss fix, and loopback is unreachable for Plivo', async () => {
    const app = open(await startDoctorApp());
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl, mode: 'production', idleMs: 0, call: false });
    expect(report.mode).toBe('production');
    const scheme = check(report, 'url.scheme');
    expect(scheme.status).toBe('fail');
    expect(scheme.seen).toContain('ws://');
    // Plivo's Stream API accepts ws:// (docs/plivo-protocol.md): the row must not claim otherwise.
    expect(scheme.seen).toContain('Plivo accepts ws://');
    expect(scheme.seen).not.toMatch(/only connects|Plivo (itself )?(needs|requires)/i);
    expect(scheme.fix).toContain('wss://your-host/');
    expect(check(report, 'url.scheme', 'answer').status).toBe('warn');
    const pub = check(report, 'url.public');
    expect(pub.status).toBe('fail');
    expect(pub.seen).toContain('loopback');
    expect(pub.fix).toContain('tunnel');
    expect(check(report, 'signature.unsigned').status).toBe('warn');
    expect(check(report, 'tls.certificate').status).toBe('skip');
  });

  it('the same app on loopback in auto mode is local development: ws:// and loopback are skipped, not failed', async () => {
    const app = open(await startDoctorApp());
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl, idleMs: 0, call: false });
    expect(report.mode).toBe('development');
    expect(report.modeReason).toContain('loopback');
    expect(check(report, 'url.scheme').status).toBe('skip');
    expect(check(report, 'url.scheme').seen).toContain('use wss:// in production');
    expect(check(report, 'url.public').status).toBe('skip');
    expect(check(report, 'signature.unsigned').status).toBe('skip');
  });

  it('a port nothing listens on: url.port fails, the handshake points at it, no call is judged', async () => {
    const port = await closedPort();
    const report = await runDoctor({ ...FAST, streamUrl: `ws://127.0.0.1:${port}/stream` });
    const p = check(report, 'url.port');
    expect(p.status).toBe('fail');
    expect(p.seen).toContain('refused');
    expect(p.fix).toContain(`port ${port}`);
    expect(check(report, 'websocket.handshake').fix).toContain('url.port');
    expect(check(report, 'url.tunnel').status).toBe('skip');
    expect(check(report, 'audio.first').status).toBe('skip');
    expect(report.ok).toBe(false);
  });

  it('a host that does not resolve: url.dns fails and the later steps are skipped', async () => {
    const report = await runDoctor({ ...FAST, streamUrl: 'wss://callwire-doctor-test.invalid/stream' });
    const dns = check(report, 'url.dns');
    expect(dns.status).toBe('fail');
    expect(dns.seen).toContain('does not resolve');
    expect(check(report, 'url.port').status).toBe('skip');
    expect(check(report, 'tls.certificate').status).toBe('skip');
  });

  it('a stale tunnel: the answer URL works but its Stream URL points at a host that no longer answers', async () => {
    const port = await closedPort();
    const app = open(await startDoctorApp({ xml: () => streamXml({ url: `ws://127.0.0.1:${port}/stream`, format: 'mulaw/8000', allowInsecure: true }) }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl });
    const tunnel = check(report, 'url.tunnel');
    expect(tunnel.status).toBe('fail');
    expect(tunnel.seen).toContain('does not accept connections');
    expect(tunnel.fix).toContain('restart the tunnel');
    expect(tunnel.fix).toContain('--trust-proxy');
    expect(check(report, 'xml.fetch').status).toBe('ok');
  });

  it('an offline ngrok tunnel: its ERR_NGROK code is recognised', async () => {
    const ngrok = open(await offlineNgrok());
    const app = open(await startDoctorApp({ xml: () => streamXml({ url: ngrok.url, format: 'mulaw/8000', allowInsecure: true }) }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl });
    const tunnel = check(report, 'url.tunnel');
    expect(tunnel.status).toBe('fail');
    expect(tunnel.seen).toContain('ngrok answers ERR_NGROK_3200 (HTTP 404): the tunnel is offline');
    expect(check(report, 'websocket.handshake').status).toBe('fail');
  });

  it('never throws: no URL, a non-URL, an ftp answer URL and an https stream URL all become results', async () => {
    const none = await runDoctor({ ...FAST });
    expect(check(none, 'url.scheme').status).toBe('fail');
    expect(check(none, 'url.scheme').fix).toContain('--answer-url');
    const junk = await runDoctor({ ...FAST, streamUrl: 'not a url' });
    expect(check(junk, 'url.scheme').seen).toBe('"not a url" is not a valid URL');
    expect(check(junk, 'websocket.handshake').status).toBe('skip');
    const ftp = await runDoctor({ ...FAST, answerUrl: 'ftp://127.0.0.1/answer' });
    expect(check(ftp, 'url.scheme', 'answer').status).toBe('fail');
    expect(check(ftp, 'xml.fetch').seen).toContain('http(s)');
    const https = await runDoctor({ ...FAST, streamUrl: `https://127.0.0.1:${await closedPort()}/stream` });
    expect(check(https, 'url.scheme').seen).toContain('https://; it must be wss://');
    expect(check(https, 'audio.first').status).toBe('skip');
    for (const r of [none, junk, ftp, https]) expect(r.checks.some((c) => c.id === 'doctor.run')).toBe(false);
  });
});
