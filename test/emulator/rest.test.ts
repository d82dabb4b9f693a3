// The emulator's Plivo REST API, driven by callwire's own REST client (src/rest) so that
// client is tested against something real, plus raw requests for the edges.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PlivoEmulator } from '../../src/emulator/index.js';
import { PlivoRestClient } from '../../src/rest/plivo-rest.js';
import { codeOf, eventsOf, until, useCleanup } from '../support/emulator.js';
import { startFakeApp } from '../support/fake-app.js';

const AUTH_ID = 'MAREST00000000000000';
const TOKEN = 'rest-token';
const open = useCleanup();

async function setup() {
  const app = open(await startFakeApp({ authToken: TOKEN }));
  const emu = open(new PlivoEmulator({ authId: AUTH_ID, authToken: TOKEN }));
  const baseUrl = await emu.listen();
  const rest = new PlivoRestClient({ authId: AUTH_ID, authToken: TOKEN, baseUrl });
  const call = await emu.startCall({ answerUrl: app.answerUrl });
  const s = await app.nextStream();
  return { baseUrl, rest, call, s, app, emu };
}

describe('REST API', () => {
  it('hangs up a call: 204, StopStream, call ended by the API', async () => {
    const { rest, call, app, emu } = await setup();
    await rest.hangup(call.callId);
    const report = await call.finished;
    expect(report.hangup.by).toBe('api');
    expect(report.streams[0]!.endReason).toBe('hangup');
    await app.callback('StopStream');
    expect(eventsOf(report.timeline, 'rest')).toMatchObject([{ method: 'DELETE', path: `/v1/Account/${AUTH_ID}/Call/${call.callId}/`, status: 204 }]);
    // An ended call is 404, which the client treats as already hung up.
    await rest.hangup(call.callId);
    expect(emu.calls.size).toBe(0);
  });

  it('checks Basic auth and the account in the path', async () => {
    const { baseUrl, call } = await setup();
    const wrong = new PlivoRestClient({ authId: AUTH_ID, authToken: 'nope', baseUrl });
    expect(await codeOf(wrong.hangup(call.callId))).toBe('REST_AUTH_FAILED');
    const other = new PlivoRestClient({ authId: 'MAOTHER0000000000000', authToken: TOKEN, baseUrl });
    expect(await codeOf(other.hangup(call.callId))).toBe('REST_AUTH_FAILED');
    const res = await fetch(`${baseUrl}/v1/Account/${AUTH_ID}/Call/${call.callId}/`, { method: 'DELETE' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: expect.stringContaining('authentication failed') });
    expect(call.isEnded).toBe(false);
  });

  it('transfers a call: the stream stops, the new URL is fetched (signed) and its stream connects', async () => {
    const { rest, call, s, app } = await setup();
    await rest.transfer(call.callId, { alegUrl: `${app.answerUrl}?transferred=1` });
    expect(await s.closed).toBe(1000);
    const next = await app.nextStream();
    const start = await next.next('start');
    expect(start.start.callId).toBe(call.callId);
    expect(new URL(app.answers[1]!.url).searchParams.get('transferred')).toBe('1');
    expect(app.answers[1]!.signatureValid).toBe(true);
    const report = await call.hangup();
    expect(eventsOf(report.timeline, 'transfer')[0]!.url).toBe(`${app.answerUrl}?transferred=1`);
    expect(report.streams.map((x) => x.endReason)).toEqual(['transferred', 'hangup']);
  });

  it('starts, lists and stops streams on a live call', async () => {
    const { baseUrl, rest, call, app } = await setup();
    const id = await rest.startStream(call.callId, { serviceUrl: app.streamUrl, bidirectional: false, contentType: 'audio/x-l16;rate=16000', extraHeaders: 'x=1' });
    const second = await app.nextStream();
    const start = await second.next('start');
    expect(start.start.streamId).toBe(id);
    expect(start.start.mediaFormat).toEqual({ encoding: 'audio/x-l16', sampleRate: 16000 });
    expect(start.extra_headers).toBe('x=1');
    await second.mediaCount(3);
    expect((await second.next('media')).audio.length).toBe(640);
    const auth = { authorization: `Basic ${Buffer.from(`${AUTH_ID}:${TOKEN}`).toString('base64')}` };
    const list = (await (await fetch(`${baseUrl}/v1/Account/${AUTH_ID}/Call/${call.callId}/Stream/`, { headers: auth })).json()) as {
      meta: { total_count: number };
      objects: { stream_id: string; status: string }[];
    };
    expect(list.meta.total_count).toBe(2);
    // plivo-python's fixture (liveCallStreamGetAllResponse.json): a live stream is "initiated".
    expect(list.objects.map((o) => o.status)).toEqual(['initiated', 'initiated']);
    const one = await fetch(`${baseUrl}/v1/Account/${AUTH_ID}/Call/${call.callId}/Stream/${id}/`, { headers: auth });
    expect(((await one.json()) as { stream_id: string }).stream_id).toBe(id);
    await rest.stopStream(call.callId, id);
    expect(await second.closed).toBe(1000);
    expect(await codeOf(rest.stopStream(call.callId, id))).toBe('REST_BAD_REQUEST');
    expect(call.isEnded).toBe(false);
    // Stopping every stream leaves nothing to run: the call ends.
    await rest.stopStream(call.callId);
    expect((await call.finished).hangup.by).toBe('api');
  });

  it('transfers legs=both with bleg_url and bleg_method; refuses the B leg without a URL', async () => {
    const { baseUrl, rest, call, app } = await setup();
    // The client refuses before sending anything.
    expect(await codeOf(rest.transfer(call.callId, { legs: 'both', alegUrl: app.answerUrl }))).toBe('REST_BAD_REQUEST');
    expect(await codeOf(rest.transfer(call.callId, { legs: 'bleg' }))).toBe('REST_BAD_REQUEST');
    expect(eventsOf(call.timeline, 'rest')).toEqual([]);
    // The emulator, like Plivo, refuses legs=both without bleg_url.
    const auth = { authorization: `Basic ${Buffer.from(`${AUTH_ID}:${TOKEN}`).toString('base64')}`, 'content-type': 'application/json' };
    const bare = await fetch(`${baseUrl}/v1/Account/${AUTH_ID}/Call/${call.callId}/`, { method: 'POST', headers: auth, body: JSON.stringify({ legs: 'both', aleg_url: app.answerUrl }) });
    expect(bare.status).toBe(400);
    await rest.transfer(call.callId, { legs: 'both', alegUrl: `${app.answerUrl}?leg=a`, blegUrl: 'https://example.com/b-leg.xml', blegMethod: 'GET' });
    await until(() => eventsOf(call.timeline, 'transfer')[0], 'the transfer');
    expect(eventsOf(call.timeline, 'transfer')[0]).toMatchObject({ url: `${app.answerUrl}?leg=a`, legs: 'both', blegUrl: 'https://example.com/b-leg.xml' });
    await app.nextStream();
    await call.hangup();
  });

  it('replies as plivo-python\'s fixtures: 201 "audio streaming started", a live call under ?status=live', async () => {
    const { baseUrl, call, app } = await setup();
    const auth = { authorization: `Basic ${Buffer.from(`${AUTH_ID}:${TOKEN}`).toString('base64')}`, 'content-type': 'application/json' };
    const started = await fetch(`${baseUrl}/v1/Account/${AUTH_ID}/Call/${call.callId}/Stream/`, { method: 'POST', headers: auth, body: JSON.stringify({ service_url: app.streamUrl }) });
    expect(started.status).toBe(201);
    expect(await started.json()).toMatchObject({ api_id: expect.any(String), message: 'audio streaming started', stream_id: expect.any(String) });
    await app.nextStream();
    const live = await fetch(`${baseUrl}/v1/Account/${AUTH_ID}/Call/${call.callId}/?status=live`, { headers: auth });
    expect(live.status).toBe(200);
    const body = (await live.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['api_id', 'call_status', 'call_uuid', 'caller_name', 'direction', 'from', 'request_uuid', 'session_start', 'to']);
    expect(body).toMatchObject({ call_status: 'in-progress', call_uuid: call.callId, request_uuid: call.callId, from: call.from, to: call.to });
    expect(String(body.session_start)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    // Without ?status=live Plivo serves finished calls' records only.
    expect((await fetch(`${baseUrl}/v1/Account/${AUTH_ID}/Call/${call.callId}/`, { headers: auth })).status).toBe(404);
    const list = (await (await fetch(`${baseUrl}/v1/Account/${AUTH_ID}/Call/${call.callId}/Stream/`, { headers: auth })).json()) as { meta: Record<string, unknown> };
    expect(list.meta).toMatchObject({ count: 2, limit: 20, offset: 0, next: null, previous: null });
    await call.hangup();
  });

  it('gets and lists streams, sends status_callback_method, DTMF, Speak and Play in the SDKs\' request shapes', async () => {
    const { rest, call, app, emu } = await setup();
    const id = await rest.startStream(call.callId, { serviceUrl: app.streamUrl, statusCallbackUrl: 'https://example.com/cb', statusCallbackMethod: 'GET' });
    await app.nextStream();
    const started = emu.restLog.find((e) => e.method === 'POST' && e.path.endsWith('/Stream/'));
    expect(started?.params).toMatchObject({ service_url: app.streamUrl, status_callback_url: 'https://example.com/cb', status_callback_method: 'GET' });
    expect(await rest.getStream(call.callId, id)).toMatchObject({ stream_id: id, call_uuid: call.callId, service_url: app.streamUrl });
    expect((await rest.listStreams(call.callId)).map((s) => s.stream_id)).toEqual([call.streamIds[0], id]);
    await rest.sendDigits(call.callId, '12#', 'aleg');
    await rest.speak(call.callId, 'Please hold.', { voice: 'WOMAN', language: 'en-US', legs: 'aleg', loop: false });
    await rest.play(call.callId, ['https://example.com/a.mp3', 'https://example.com/b.mp3'], { legs: 'both', mix: true });
    const byPath = (tail: string) => emu.restLog.find((e) => e.path.endsWith(tail));
    expect(byPath('/DTMF/')).toMatchObject({ method: 'POST', status: 202, params: { digits: '12#', leg: 'aleg' } });
    expect(byPath('/Speak/')).toMatchObject({ method: 'POST', status: 202, params: { text: 'Please hold.', voice: 'WOMAN', language: 'en-US', legs: 'aleg', loop: 'false' } });
    expect(byPath('/Play/')).toMatchObject({ method: 'POST', status: 202, params: { urls: 'https://example.com/a.mp3,https://example.com/b.mp3', legs: 'both', mix: 'true' } });
    // Refused before any request: bad digits, empty text, no URL.
    const before = emu.restLog.length;
    expect(await codeOf(rest.sendDigits(call.callId, '12x'))).toBe('REST_BAD_REQUEST');
    expect(await codeOf(rest.speak(call.callId, '  '))).toBe('REST_BAD_REQUEST');
    expect(await codeOf(rest.play(call.callId, []))).toBe('REST_BAD_REQUEST');
    expect(emu.restLog.length).toBe(before);
    await call.hangup();
  });

  it('answers 404 for unknown calls, 400 for bad stream parameters, 405 and 413 where due', async () => {
    const { baseUrl, rest, call, emu } = await setup();
    expect(await codeOf(rest.transfer('no-such-call', { alegUrl: 'http://x/' }))).toBe('REST_NOT_FOUND');
    expect(await codeOf(rest.startStream(call.callId, { serviceUrl: 'http://not-ws/' }))).toBe('REST_BAD_REQUEST');
    expect(await codeOf(rest.startStream(call.callId, { serviceUrl: 'ws://x/', contentType: 'audio/x-mulaw;rate=16000' }))).toBe('REST_BAD_REQUEST');
    const auth = { authorization: `Basic ${Buffer.from(`${AUTH_ID}:${TOKEN}`).toString('base64')}` };
    expect((await fetch(`${baseUrl}/v1/Account/${AUTH_ID}/Call/${call.callId}/`, { method: 'PUT', headers: auth })).status).toBe(405);
    const big = await fetch(`${baseUrl}/v1/Account/${AUTH_ID}/Call/${call.callId}/`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ aleg_url: 'x'.repeat(70_000) }) });
    expect(big.status).toBe(413);
    await until(() => (emu.calls.size === 1 ? true : undefined), 'the call to stay up');
  });
});

describe('REST client against a broken answer', () => {
  it('a body cut mid-way or over 1 MiB is REST_UNAVAILABLE (retryable), not a TypeError', async () => {
    const srv = createServer((req, res) => {
      req.resume();
      if (req.url?.endsWith('/cut/')) {
        // Promise 1000 bytes, send 10, then drop the connection.
        res.writeHead(500, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"error":"');
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('x'.repeat(2 << 20));
      }
    });
    open({ close: () => new Promise<void>((r) => srv.close(() => r())) });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const baseUrl = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    for (const id of ['cut', 'huge']) {
      const rest = new PlivoRestClient({ authId: AUTH_ID, authToken: TOKEN, baseUrl });
      const err = await rest.hangup(id).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'REST_UNAVAILABLE', retryable: true });
      expect(String((err as Error).message)).not.toContain(TOKEN);
    }
  });
});
