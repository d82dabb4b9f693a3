// Server + CallStream integration over real loopback sockets.
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeMulaw, tone } from '../../src/audio/index.js';
import { STREAM_FORMATS, computeSignatureV3, readStreamXml } from '../../src/protocol/index.js';
import type { CallStream } from '../../src/stream/call-stream.js';
import type { InboundAudioFrame } from '../../src/stream/types.js';
import { StreamClient, signedHeaders, tryUpgrade } from '../support/stream-client.js';
import { waitUntil } from '../support/async.js';
import { type TestServer, startServer } from '../support/server.js';

const TOKEN = 'TEST_AUTH_TOKEN_0123456789';
let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

function frame(i: number): Uint8Array {
  const f = new Uint8Array(160);
  f.fill(i & 0xff);
  return f;
}

async function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
}

function signPost(url: string, fields: Record<string, string>, nonce = randomUUID()): Record<string, string> {
  return { 'x-plivo-signature-v3': computeSignatureV3({ method: 'POST', url, nonce, authToken: TOKEN, params: fields }), 'x-plivo-signature-v3-nonce': nonce };
}

describe('signed WebSocket upgrade', () => {
  it('accepts a signed upgrade and refuses unsigned and tampered ones with 403 before the handshake', async () => {
    srv = await startServer({ authToken: TOKEN, publicUrl: 'https://agent.example.com' });
    const url = `${srv.streamUrl}?x=1`;
    // Plivo signs the URL as written in the XML: wss://public-host/path?query
    const signedFor = 'wss://agent.example.com/plivo/stream?x=1';
    const rejected: number[] = [];
    srv.server.on('rejected', (r) => rejected.push(r.status));
    expect(await tryUpgrade(url, signedHeaders(signedFor, TOKEN))).toBe('open');
    expect(await tryUpgrade(url)).toMatchObject({ status: 403, body: expect.stringContaining('SIGNATURE_MISSING') });
    const tampered = signedHeaders('wss://agent.example.com/plivo/stream?x=2', TOKEN);
    expect(await tryUpgrade(url, tampered)).toMatchObject({ status: 403, body: expect.stringContaining('SIGNATURE_MISMATCH') });
    expect(await tryUpgrade(url, signedHeaders(signedFor, 'WRONG_TOKEN'))).toMatchObject({ status: 403 });
    // The https:// form of the same URL is accepted too (Plivo's signing scheme for WS is undocumented).
    expect(await tryUpgrade(url, signedHeaders('https://agent.example.com/plivo/stream?x=1', TOKEN))).toBe('open');
    // A replayed nonce is refused.
    const once = signedHeaders(signedFor, TOKEN);
    expect(await tryUpgrade(url, once)).toBe('open');
    expect(await tryUpgrade(url, once)).toMatchObject({ status: 403, body: expect.stringContaining('SIGNATURE_REPLAYED') });
    expect(rejected).toEqual([403, 403, 403, 403]);
  });

  it('refuses other paths with 404 and counts no stream', async () => {
    srv = await startServer();
    expect(await tryUpgrade(`ws://127.0.0.1:${srv.port}/elsewhere`)).toMatchObject({ status: 404 });
    expect(srv.server.streams.size).toBe(0);
  });
});

describe('answer XML and status callbacks', () => {
  it('serves Stream XML that parses back to the configured format and public URL, carrying the call parameters to the stream', async () => {
    const streams: CallStream[] = [];
    srv = await startServer({ format: 'l16/16000', publicUrl: 'https://agent.example.com', onStream: (c) => void streams.push(c) });
    const res = await postForm(`${srv.http}/plivo/answer`, { CallUUID: 'call-1', From: '+14155550100', To: '+14155550111', Direction: 'inbound' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('xml');
    const info = readStreamXml(await res.text());
    expect(info.format).toBe(STREAM_FORMATS['l16/16000']);
    expect(info.url.startsWith('wss://agent.example.com/plivo/stream?ctx=')).toBe(true);
    expect(info.bidirectional).toBe(true);
    expect(info.keepCallAlive).toBe(true);
    expect(info.attributes.contentType).toBe('audio/x-l16;rate=16000');
    expect(info.statusCallbackUrl).toBe('https://agent.example.com/plivo/status');
    // Connect to the local server with the XML's query: the signed context reaches the stream.
    const query = info.url.slice(info.url.indexOf('?'));
    const client = await StreamClient.connect(`${srv.streamUrl}${query}`);
    client.start(STREAM_FORMATS['l16/16000']);
    await client.waitFor(() => streams[0]?.info !== undefined, 5000, 'start');
    expect(streams[0]?.info?.callParams).toMatchObject({ CallUUID: 'call-1', From: '+14155550100', To: '+14155550111', Direction: 'inbound' });
    await client.close();
    // A forged context is refused.
    expect(await tryUpgrade(`${srv.streamUrl}?ctx=eyJwIjp7fX0.forged`)).toMatchObject({ status: 403 });
  });

  it('derives the stream URL from X-Forwarded-Proto/Host behind a trusted proxy (a restarted tunnel needs no change)', async () => {
    srv = await startServer({ trustProxy: true });
    for (const host of ['abc123.ngrok.app', 'def456.ngrok.app']) {
      const res = await fetch(`${srv.http}/plivo/answer`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': host } });
      expect(readStreamXml(await res.text()).url.startsWith(`wss://${host}/plivo/stream`)).toBe(true);
    }
    // Without TLS, a public host gets no ws:// URL: a 500 that explains the fix.
    const plain = await fetch(`${srv.http}/plivo/answer`, { headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'public.example.com' } });
    expect(plain.status).toBe(500);
    expect(await plain.text()).toContain('XML_INSECURE_URL');
  });

  it('checks signatures on answer and status requests, and parses and keeps status callbacks', async () => {
    srv = await startServer({ authToken: TOKEN, publicUrl: 'https://agent.example.com' });
    const statusUrl = 'https://agent.example.com/plivo/status';
    const fields = { Event: 'DegradedStream', StreamID: 's-1', CallUUID: 'c-1', BufferPercent: '60' };
    expect((await postForm(`${srv.http}/plivo/status`, fields)).status).toBe(403);
    const seen: string[] = [];
    srv.server.on('status', (e) => seen.push(e.event));
    const ok = await postForm(`${srv.http}/plivo/status`, fields, signPost(statusUrl, fields));
    expect(ok.status).toBe(200);
    expect(seen).toEqual(['DegradedStream']);
    expect(srv.server.statusEvents[0]).toMatchObject({ event: 'DegradedStream', streamId: 's-1', callId: 'c-1', bufferPercent: 60 });
    const answerFields = { CallUUID: 'c-2', From: '1', To: '2' };
    expect((await postForm(`${srv.http}/plivo/answer`, answerFields)).status).toBe(403);
    const signed = await postForm(`${srv.http}/plivo/answer`, answerFields, signPost('https://agent.example.com/plivo/answer', answerFields));
    expect(signed.status).toBe(200);
    // An unsigned body is refused before it is read; a body with signature headers is read up to the limit.
    expect((await postForm(`${srv.http}/plivo/status`, { x: 'y'.repeat(70_000) }, { 'x-plivo-signature-v3': 'sig', 'x-plivo-signature-v3-nonce': 'n-1' })).status).toBe(413);
  });

  it('health and readiness', async () => {
    srv = await startServer();
    const h = (await (await fetch(`${srv.http}/healthz`)).json()) as Record<string, unknown>;
    expect(h).toMatchObject({ status: 'ok', activeStreams: 0, draining: false });
    expect(typeof h.rssBytes).toBe('number');
    expect((await fetch(`${srv.http}/readyz`)).status).toBe(200);
  });
});

describe('CallStream over a real socket', () => {
  it('delivers media sent before the handlers attach, in order, after start', async () => {
    const got: InboundAudioFrame[] = [];
    let starts = 0;
    srv = await startServer({
      onStream: async (call) => {
        await new Promise((r) => setTimeout(r, 300)); // the app is slow to attach (e.g. opening provider sockets)
        call.on('start', () => starts++);
        call.on('audio', (f) => got.push(f));
      },
    });
    const client = await StreamClient.connect(srv.streamUrl);
    client.start();
    for (let i = 0; i < 50; i++) client.media(frame(i));
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const check = () => (got.length >= 50 ? resolve() : Date.now() - t0 > 10_000 ? reject(new Error('frames missing')) : setTimeout(check, 20));
      check();
    });
    expect(starts).toBe(1);
    expect(got.map((f) => f.wire[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(got.map((f) => f.audioMs)).toEqual(Array.from({ length: 50 }, (_, i) => i * 20));
    await client.close();
  });

  it('buffers media that arrives before start, then rejects a flood of it with a coded close', async () => {
    let call: CallStream | undefined;
    srv = await startServer({ onStream: (c) => void (call = c) });
    const client = await StreamClient.connect(srv.streamUrl);
    for (let i = 0; i < 60; i++) client.media(frame(i));
    await client.waitFor(() => client.closed !== undefined, 5000, 'close');
    expect(client.closed?.code).toBe(1008);
    const end = await call?.ended;
    expect(end).toMatchObject({ by: 'protocol', error: { code: 'STREAM_PRESTART_OVERFLOW' } });
  });

  it('plays a 3 s utterance as 20 ms frames never more than the target lead ahead of real time', async () => {
    let call: CallStream | undefined;
    srv = await startServer({
      leadMs: 300,
      onStream: (c) => {
        call = c;
        c.on('start', () => c.player.play({ pcm: tone(440, 3000, 8000), sampleRate: 8000 }, { text: 'a three second tone' }));
      },
    });
    const client = await StreamClient.connect(srv.streamUrl, { playout: true });
    // How late this process ran its callbacks meanwhile: a frame stamped late at the caller
    // (the first one, say) shifts every later frame's apparent lead by that much.
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    client.start();
    await client.waitFor(() => client.audioFrames.length >= 150, 15_000, '150 frames');
    loopDelay.disable();
    const frames = client.audioFrames;
    expect(frames.every((f) => f.msg.event === 'playAudio' && f.msg.audio.length === 160 && f.msg.contentType === 'audio/x-mulaw' && f.msg.sampleRate === 8000)).toBe(true);
    const t0 = (frames[0] as { at: number }).at;
    let maxLead = 0;
    frames.forEach((f, i) => {
      maxLead = Math.max(maxLead, (i + 1) * 20 - (f.at - t0));
    });
    // At send time the lead never exceeds the target (the Player records the largest it ever had).
    expect(call?.counters.maxLeadMs).toBeLessThanOrEqual(300);
    expect(call?.counters.maxLeadMs).toBeGreaterThanOrEqual(280);
    // At the caller it also stays within the target, up to loopback delivery jitter between the
    // first frame and a later one: a few ms at rest, plus however long this process's event loop
    // was held up (313 ms against a fixed 310 was seen at load 10+ on 2 cores, issue 25). A
    // server sending ahead of the pacer is still caught: 3 s at once is ~2.7 s over.
    expect(maxLead).toBeLessThanOrEqual(300 + 10 + loopDelay.max / 1e6);
    expect(maxLead).toBeGreaterThan(200); // and it does use the lead (the first burst)
    await client.close();
  });

  it('resolves checkpoints in order and clear() settles pending ones with played ms', async () => {
    let call: CallStream | undefined;
    srv = await startServer({ onStream: (c) => void (call = c) });
    const client = await StreamClient.connect(srv.streamUrl, { playout: true });
    client.start();
    await waitUntil(() => call !== undefined, 15_000, 'the stream handler');
    const info = await (call as CallStream).started();
    expect(info.streamId).toBe(client.streamId);
    const c = call as CallStream;
    const a = c.player.play({ pcm: tone(300, 200, 8000), sampleRate: 8000 }, { text: 'one' });
    const b = c.player.play({ pcm: tone(300, 200, 8000), sampleRate: 8000 }, { text: 'two' });
    const order: string[] = [];
    void a.done.then(() => order.push('one'));
    void b.done.then(() => order.push('two'));
    await b.done;
    expect(order).toEqual(['one', 'two']);
    const long = c.player.play({ pcm: tone(300, 3000, 8000), sampleRate: 8000 }, { text: 'a long sentence' });
    const mark = c.player.checkpoint('after-long');
    await new Promise((r) => setTimeout(r, 500));
    const cleared = new Promise<void>((r) => c.once('cleared', () => r()));
    const report = c.player.clear();
    expect(report.items).toHaveLength(1);
    expect(report.items[0]).toMatchObject({ text: 'a long sentence', status: 'cleared' });
    expect(report.items[0]?.playedMs).toBeGreaterThan(300);
    expect(report.items[0]?.playedMs).toBeLessThan(1500);
    await expect(long.done).resolves.toMatchObject({ status: 'cleared' });
    await expect(mark).resolves.toBe('cleared');
    await cleared; // Plivo's clearedAudio came back
    expect(client.received.some((r) => r.msg.event === 'clearAudio')).toBe(true);
    await client.close();
  });

  it('keepalive closes a peer that stops answering pings', async () => {
    let call: CallStream | undefined;
    srv = await startServer({ keepalive: { intervalMs: 200, timeoutMs: 200 }, onStream: (c) => void (call = c) });
    const client = await StreamClient.connect(srv.streamUrl, { autoPong: false });
    client.start();
    await client.waitFor(() => client.closed !== undefined, 5000, 'keepalive close');
    await expect(call?.ended).resolves.toMatchObject({ by: 'keepalive', error: { code: 'STREAM_KEEPALIVE_TIMEOUT' } });
  });

  it('keeps a live peer that answers pings', async () => {
    let call: CallStream | undefined;
    srv = await startServer({ keepalive: { intervalMs: 100, timeoutMs: 100 }, onStream: (c) => void (call = c) });
    const client = await StreamClient.connect(srv.streamUrl);
    let pings = 0;
    client.ws.on('ping', () => pings++);
    client.start();
    // Several ping rounds, each past the 100 ms pong timeout, counted rather than slept through.
    await waitUntil(() => pings >= 5, 15_000, 'five keepalive pings');
    expect(call?.state).toBe('started');
    await client.close();
    await expect(call?.ended).resolves.toMatchObject({ by: 'caller' });
  });

  it('a bad frame is counted and logged with its code; the call goes on', async () => {
    let call: CallStream | undefined;
    const warnings: string[] = [];
    srv = await startServer({
      onStream: (c) => {
        call = c;
        c.on('warning', (w) => warnings.push(w.error.code));
      },
    });
    const client = await StreamClient.connect(srv.streamUrl);
    client.start();
    client.raw('{not json');
    client.raw(Buffer.from([1, 2, 3]));
    client.raw('{"event":"media","media":{"payload":"@@@@"}}');
    client.raw('{"event":"mystery"}');
    client.start(); // a second start
    client.raw(JSON.stringify({ event: 'media', streamId: 'someone-else', media: { chunk: 99, payload: 'AAAA' } }));
    client.media(frame(7));
    await client.waitFor(() => (call?.counters.framesIn ?? 0) === 1, 5000, 'good frame');
    expect(warnings).toEqual(['PROTOCOL_INVALID_JSON', 'PROTOCOL_BINARY_FRAME', 'PROTOCOL_INVALID_BASE64', 'PROTOCOL_UNKNOWN_EVENT', 'STREAM_ALREADY_STARTED', 'STREAM_WRONG_STREAM_ID']);
    expect(call?.counters.badFrames).toBe(5);
    expect(call?.state).toBe('started');
    await client.close();
  });

  it('a listener that throws does not break the stream', async () => {
    let n = 0;
    srv = await startServer({
      onStream: (c) => {
        c.on('audio', () => {
          n++;
          throw new Error('user bug');
        });
      },
    });
    const client = await StreamClient.connect(srv.streamUrl);
    client.start();
    for (let i = 0; i < 5; i++) client.media(frame(i));
    await waitUntil(() => n >= 5, 15_000, 'five frames');
    expect(n).toBe(5);
    await client.close();
  });

  it('the echo handler plays the caller back, and sendDtmf and dtmf events work', async () => {
    const digits: string[] = [];
    let call: CallStream | undefined;
    srv = await startServer({
      onStream: async (c) => {
        call = c;
        const { echoHandler } = await import('../../src/stream/echo.js');
        echoHandler(c);
        c.on('dtmf', (d) => digits.push(d.digit));
      },
    });
    const client = await StreamClient.connect(srv.streamUrl, { playout: true });
    client.start();
    const speech = encodeMulaw(tone(500, 400, 8000));
    for (let i = 0; i < 20; i++) client.media(speech.subarray(i * 160, (i + 1) * 160));
    client.raw(JSON.stringify({ event: 'dtmf', sequenceNumber: 99, streamId: client.streamId, dtmf: { track: 'inbound', digit: '5', timestamp: '1' } }));
    await client.waitFor(() => client.audioFrames.length >= 20, 5000, 'echo');
    const echoed = Buffer.concat(client.audioFrames.map((f) => Buffer.from((f.msg as { audio: Uint8Array }).audio)));
    expect(echoed.equals(Buffer.from(speech))).toBe(true);
    await client.waitFor(() => digits.length === 1, 5000, 'dtmf');
    call?.sendDtmf('12#');
    await client.waitFor(() => client.received.some((r) => r.msg.event === 'sendDTMF'), 5000, 'sendDTMF');
    expect(() => call?.sendDtmf('12E')).toThrowError(/0-9A-D/);
    await client.close();
  });
});
