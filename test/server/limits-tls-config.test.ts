import { EventEmitter } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { isCallwireError } from '../../src/errors.js';
import { STREAM_FORMATS } from '../../src/protocol/index.js';
import { readConfigFile, resolveServeConfig } from '../../src/cli/serve-config.js';
import { CallStream } from '../../src/stream/call-stream.js';
import { createServer } from '../../src/server/server.js';
import { type TestServer, startServer } from '../support/server.js';
import { StreamClient, tryUpgrade } from '../support/stream-client.js';
import { selfSignedCert } from '../support/tls.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isCallwireError(e) ? `${e.code}: ${e.message}` : String(e);
  }
  return 'none';
}

describe('limits', () => {
  it('refuses streams past the concurrent limit with 503 before the handshake', async () => {
    srv = await startServer({ limits: { maxStreams: 2 } });
    const a = await StreamClient.connect(srv.streamUrl);
    const b = await StreamClient.connect(srv.streamUrl);
    expect(await tryUpgrade(srv.streamUrl)).toMatchObject({ status: 503, body: expect.stringContaining('limit of 2') });
    await a.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await tryUpgrade(srv.streamUrl)).toBe('open');
    await b.close();
  });

  it('rate-limits upgrades per IP with 429', async () => {
    srv = await startServer({ limits: { upgradeBurst: 3, upgradesPerSecond: 0.001 } });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await tryUpgrade(srv.streamUrl));
    expect(results.slice(0, 3)).toEqual(['open', 'open', 'open']);
    expect(results.slice(3)).toMatchObject([{ status: 429 }, { status: 429 }]);
  });

  it('closes a socket that sends a message over the size limit, without disturbing another call', async () => {
    const calls: CallStream[] = [];
    srv = await startServer({ limits: { maxMessageBytes: 4096 }, onStream: (c) => void calls.push(c) });
    const good = await StreamClient.connect(srv.streamUrl);
    good.start();
    const bad = await StreamClient.connect(srv.streamUrl);
    bad.raw(`{"event":"media","media":{"payload":"${'A'.repeat(10_000)}"}}`);
    await bad.waitFor(() => bad.closed !== undefined, 5000, 'close');
    expect(bad.closed?.code).toBe(1009);
    good.media(new Uint8Array(160));
    await good.waitFor(() => calls[0]?.counters.framesIn === 1, 5000, 'frame on the good call');
    await good.close();
  });
});

describe('TLS', () => {
  it('serves https and wss directly with --tls-cert/--tls-key material', async () => {
    const cert = selfSignedCert('localhost');
    if (cert === undefined) return;
    srv = await startServer({ tls: { cert: cert.cert, key: cert.key } });
    const agent = new https.Agent({ ca: cert.cert });
    const body = await new Promise<string>((resolve, reject) => {
      https.get(`https://localhost:${srv?.port}/plivo/answer`, { agent }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    expect(body).toContain(`wss://localhost:${srv.port}/plivo/stream`);
    const ws = new WebSocket(`wss://localhost:${srv.port}/plivo/stream`, { ca: cert.cert });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
  });
});

describe('configuration', () => {
  it('resolves flags over env over file over defaults', () => {
    const cfg = resolveServeConfig({ port: '9000' }, { PORT: '7000', PUBLIC_URL: 'https://a.example.com/', LEAD_MS: '250', DRAIN_TIMEOUT: '5' }, { format: 'l16-16k', port: 6000 });
    expect(cfg).toMatchObject({ port: 9000, publicUrl: 'https://a.example.com', leadMs: 250, drainTimeoutMs: 5000, format: 'l16/16000', host: '0.0.0.0', trustProxy: false });
  });

  it('says which setting is wrong, where it came from and what is expected', () => {
    expect(code(() => resolveServeConfig({}, { PORT: 'eighty' }))).toMatch(/CONFIG_INVALID: port: expected an integer from 0 to 65535, got "eighty" \(from env PORT\)/);
    expect(code(() => resolveServeConfig({ format: 'opus' }, {}))).toMatch(/format: expected one of mulaw\/8000/);
    expect(code(() => resolveServeConfig({}, { PUBLIC_URL: 'agent.example.com' }))).toMatch(/publicUrl: expected an absolute http\(s\) URL/);
    expect(code(() => resolveServeConfig({}, { PUBLIC_URL: 'http://agent.example.com' }))).toMatch(/use https:\/\//);
    expect(code(() => resolveServeConfig({ tlsCert: 'a.pem' }, {}))).toMatch(/CONFIG_MISSING: TLS needs both/);
    expect(code(() => resolveServeConfig({}, { TRUST_PROXY: 'maybe' }))).toMatch(/trustProxy: expected true or false/);
    const dir = mkdtempSync(join(tmpdir(), 'cw-cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{"prot": 1}');
    expect(code(() => readConfigFile(join(dir, 'bad.json')))).toMatch(/unknown setting "prot"/);
    writeFileSync(join(dir, 'broken.json'), '{');
    expect(code(() => readConfigFile(join(dir, 'broken.json')))).toMatch(/not valid JSON/);
    expect(code(() => readConfigFile(join(dir, 'missing.json')))).toMatch(/CONFIG_FILE_UNREADABLE/);
  });

  it('refuses an inboundSampleRate it cannot resample to when the server (or a CallStream) is made, not at the first call', () => {
    const expected = /^CONFIG_INVALID: inboundSampleRate must be a whole number of Hz from 1000 to 384000, e\.g\. 8000, 16000, 22050/;
    for (const rate of [44100.5, 0, Number.NaN, 10_000_000]) {
      expect(code(() => createServer({ inboundSampleRate: rate }))).toMatch(expected);
      // Before, the stream went 'started' and then failed every frame with STREAM_LISTENER_FAILED.
      expect(code(() => new CallStream(new EventEmitter() as unknown as WebSocket, { inboundSampleRate: rate, keepalive: false }))).toMatch(expected);
    }
    expect(code(() => createServer({ inboundSampleRate: '16000' as unknown as number }))).toMatch(/got string/);
    expect(code(() => createServer({ inboundSampleRate: 16000 }))).toBe('none');
  });

  it('refuses a format that is neither a name nor one of STREAM_FORMATS when the server is made', () => {
    // Before, 8000 was accepted and every answer request failed with a 500.
    expect(code(() => createServer({ format: 8000 as never }))).toMatch(/^PROTOCOL_INVALID_CONTENT_TYPE: stream format must be a name or one of STREAM_FORMATS \(got number\)/);
    expect(code(() => createServer({ format: { ...STREAM_FORMATS['l16/16000'] } }))).toBe('none');
  });
});

describe('hangup through Plivo REST', () => {
  it('DELETEs the call with Basic auth, treats 404 as already ended, and needs credentials', async () => {
    const seen: { method?: string; url?: string; auth?: string }[] = [];
    const rest = createHttpServer((req, res) => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
      res.statusCode = seen.length === 1 ? 204 : 404;
      res.end();
    });
    await new Promise<void>((r) => rest.listen(0, '127.0.0.1', () => r()));
    const apiUrl = `http://127.0.0.1:${(rest.address() as AddressInfo).port}`;
    const calls: CallStream[] = [];
    srv = await startServer({ authId: 'MAID123', authToken: undefined, plivoApiUrl: apiUrl, onStream: (c) => void calls.push(c) });
    const client = await StreamClient.connect(srv.streamUrl);
    client.start();
    const call = calls[0] as CallStream;
    await call.started();
    await expect(call.hangup()).rejects.toMatchObject({ code: 'REST_MISSING_CREDENTIALS' });
    await srv.close();
    srv = await startServer({ authId: 'MAID123', authToken: 'tok', plivoApiUrl: apiUrl, onStream: (c) => void calls.push(c) });
    const { signedHeaders } = await import('../support/stream-client.js');
    const c2 = await StreamClient.connect(srv.streamUrl, { headers: signedHeaders(srv.streamUrl, 'tok') });
    c2.start();
    const call2 = calls[1] as CallStream;
    await call2.started();
    await call2.hangup();
    await call2.hangup(); // 404: already ended, fine
    expect(seen[0]).toEqual({ method: 'DELETE', url: `/v1/Account/MAID123/Call/${c2.callId}/`, auth: `Basic ${Buffer.from('MAID123:tok').toString('base64')}` });
    rest.close();
    await c2.close();
  });
});
