// The WebSocket group: a server that never answers pings, one that closes idle streams, one
// that never pings, and handshakes that are not WebSocket handshakes.
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/index.js';
import { check, FAST } from '../support/doctor.js';
import { startDoctorApp } from '../support/doctor-app.js';
import { useCleanup } from '../support/emulator.js';
import { startServer } from '../support/server.js';

const open = useCleanup();

describe('doctor WebSocket checks', () => {
  it('a server that never answers pings: websocket.ping fails with the pong fix', async () => {
    const app = open(await startDoctorApp({ autoPong: false }));
    const report = await runDoctor({ ...FAST, streamUrl: app.streamUrl, timeoutMs: 1500, call: false });
    const ping = check(report, 'websocket.ping');
    expect(ping.status).toBe('fail');
    expect(ping.seen).toContain('no pong within 1500 ms');
    expect(ping.fix).toContain('answer WebSocket pings');
    expect(check(report, 'latency.network').status).toBe('skip');
    // Everything else about the stream is fine.
    expect(check(report, 'websocket.idle').status).toBe('ok');
    expect(check(report, 'websocket.server-pings').status).toBe('ok');
    expect(check(report, 'audio.first').seen).toContain('--no-call');
  });

  it('a server that closes idle streams: websocket.idle fails with when and how', async () => {
    const app = open(await startDoctorApp({ closeIdleAfterMs: 500 }));
    const report = await runDoctor({ ...FAST, streamUrl: app.streamUrl, idleMs: 3000, call: false });
    const idle = check(report, 'websocket.idle');
    expect(idle.status).toBe('fail');
    expect(idle.seen).toMatch(/closed it with code 1000 "idle" after 0\.\d s of silence/);
    expect(idle.fix).toContain('idle timeout');
    expect(idle.data.closeCode).toBe(1000);
  });

  it('a server that never pings: websocket.server-pings warns after 10 s; the report still passes', async () => {
    const app = open(await startDoctorApp({ pingIntervalMs: 0 }));
    const short = await runDoctor({ ...FAST, streamUrl: app.streamUrl, call: false });
    expect(check(short, 'websocket.server-pings').status).toBe('skip');
    expect(check(short, 'websocket.server-pings').seen).toContain('too short to judge');
    const report = await runDoctor({ ...FAST, streamUrl: app.streamUrl, idleMs: 10_500, call: false });
    const pings = check(report, 'websocket.server-pings');
    expect(pings.status).toBe('warn');
    expect(pings.data.count).toBe(0);
    expect(pings.fix).toContain('ping every 10 to 20 s');
    expect(check(report, 'websocket.idle').status).toBe('ok');
    expect(report.ok).toBe(true);
  });

  it('counts the server\'s pings over the idle period', async () => {
    const app = open(await startDoctorApp({ pingIntervalMs: 300 }));
    const report = await runDoctor({ ...FAST, streamUrl: app.streamUrl, idleMs: 1600, call: false });
    const pings = check(report, 'websocket.server-pings');
    expect(pings.status).toBe('ok');
    expect(pings.data.count).toBeGreaterThanOrEqual(3);
    expect(pings.seen).toContain('every 0.3 s');
  });

  it('no WebSocket at the path, and a plain web server: the handshake says which', async () => {
    const srv = open(await startServer());
    const missing = await runDoctor({ ...FAST, streamUrl: srv.streamUrl.replace('/plivo/stream', '/nope'), idleMs: 0, call: false });
    const h404 = check(missing, 'websocket.handshake');
    expect(h404.status).toBe('fail');
    expect(h404.seen).toContain('HTTP 404');
    expect(h404.fix).toContain('path');

    const web = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>It works</h1>'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    open({ close: () => new Promise<void>((resolve) => web.close(() => resolve())) });
    const plain = await runDoctor({ ...FAST, streamUrl: `ws://127.0.0.1:${(web.address() as AddressInfo).port}/`, idleMs: 0, call: false });
    const h200 = check(plain, 'websocket.handshake');
    expect(h200.status).toBe('fail');
    expect(h200.seen).toContain('HTTP 200');
    expect(h200.fix).toContain('proxy_set_header Upgrade');
  });
});
