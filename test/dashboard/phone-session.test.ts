// Browser phone sessions: a short-lived, single-use token minted by the dashboard API lets a
// stream in without a Plivo signature, so signatures stay on in production; anything else
// is refused with 403 before the WebSocket handshake.
import { describe, expect, it } from 'vitest';
import { PHONE_CALLER, PhoneTokens } from '../../src/dashboard/index.js';
import { STREAM_FORMATS } from '../../src/protocol/index.js';
import { startDashboardServer, until } from '../support/dashboard.js';
import { startServer } from '../support/server.js';
import { StreamClient, tryUpgrade } from '../support/stream-client.js';

describe('browser phone sessions', () => {
  it('mints tokens that work once, expire, and cannot be forged', () => {
    let now = 5_000_000;
    const tokens = new PhoneTokens(60_000, () => now);
    const a = tokens.mint();
    expect(a.expiresAt).toBe(now + 60_000);
    expect(tokens.verify(`${a.token}x`)).toBeUndefined();
    expect(tokens.verify(a.token.replace(/^./, (c) => (c === 'e' ? 'f' : 'e')))).toBeUndefined();
    expect(tokens.verify('x'.repeat(2000))).toBeUndefined();
    expect(tokens.verify(a.token)).toEqual({ params: { CallUUID: a.callId, From: PHONE_CALLER, To: 'agent', Direction: 'inbound', CallerName: 'Browser phone' }, streamId: a.streamId });
    expect(tokens.verify(a.token)).toBeUndefined();
    const b = tokens.mint();
    now += 60_001;
    expect(tokens.verify(b.token)).toBeUndefined();
    // Another process's tokens (another key) are refused.
    expect(new PhoneTokens(60_000, () => now).verify(tokens.mint().token)).toBeUndefined();
  });

  it('lets a minted session stream with Plivo signatures on; refuses unsigned, forged and reused ones before the handshake', async () => {
    const d = await startDashboardServer({ server: { authToken: 'plivo-auth-token-for-the-test' } });
    try {
      const streamUrl = `${d.http.replace('http', 'ws')}/plivo/stream`;
      const unsigned = await tryUpgrade(streamUrl);
      expect(unsigned).toMatchObject({ status: 403 });
      expect(await tryUpgrade(`${streamUrl}?phone=forged.token`)).toMatchObject({ status: 403, body: expect.stringContaining('PHONE_TOKEN_INVALID') });

      // Cross-site pages cannot mint sessions.
      expect((await fetch(`${d.http}/api/phone`, { method: 'POST', headers: { origin: 'https://evil.example' } })).status).toBe(403);
      const res = await fetch(`${d.http}/api/phone`, { method: 'POST' });
      expect(res.status).toBe(201);
      const session = (await res.json()) as { token: string; streamId: string; callId: string; streamPath: string; format: { name: string; encoding: string; sampleRate: number } };
      expect(session.format).toEqual({ name: 'mulaw/8000', encoding: 'audio/x-mulaw', sampleRate: 8000 });
      expect(session.streamPath).toBe(`/plivo/stream?phone=${encodeURIComponent(session.token)}`);

      const client = await StreamClient.connect(`${d.http.replace('http', 'ws')}${session.streamPath}`, { streamId: session.streamId, callId: session.callId });
      client.start(STREAM_FORMATS['mulaw/8000']);
      for (let i = 0; i < 10; i++) client.media(new Uint8Array(160).fill(0xff));
      // The agent greets this caller like any other.
      await client.waitFor(() => client.audioFrames.length > 0, 20_000, 'the greeting');
      expect(await tryUpgrade(`${d.http.replace('http', 'ws')}${session.streamPath}`)).toMatchObject({ status: 403 });
      await client.close();
      await until(async () => (await d.store.getStream(client.streamId))?.status === 'ended', 'the phone call to be stored as ended');
      const stored = await d.store.getStream(client.streamId);
      expect(stored).toMatchObject({ callId: client.callId, from: PHONE_CALLER, to: 'agent', direction: 'inbound', hangup: { by: 'caller' } });
    } finally {
      await d.close();
    }
  });

  it('binds a phone token to the stream id it was minted for: a start with another id is closed with 1008, nothing stored', async () => {
    const d = await startDashboardServer({ server: { authToken: 'plivo-auth-token-for-the-test' } });
    try {
      const ws = d.http.replace('http', 'ws');
      const mint = async (): Promise<{ token: string; streamId: string; callId: string; streamPath: string }> => (await (await fetch(`${d.http}/api/phone`, { method: 'POST' })).json()) as never;
      // A victim's earlier call, then a session minted for another stream that claims the victim's id.
      const victim = await mint();
      const first = await StreamClient.connect(`${ws}${victim.streamPath}`, { streamId: victim.streamId, callId: victim.callId });
      first.start();
      await until(async () => (await d.store.getStream(victim.streamId)) !== undefined, 'the first call to be stored');
      await first.close();
      const session = await mint();
      const client = await StreamClient.connect(`${ws}${session.streamPath}`, { streamId: victim.streamId });
      client.start();
      await client.waitFor(() => client.closed !== undefined, 10_000, 'the close');
      expect(client.closed).toEqual({ code: 1008, reason: 'stream id not granted' });
      await d.store.flush();
      expect((await d.store.listStreams()).streams.map((s) => s.streamId)).toEqual([victim.streamId]);
      expect(await d.store.getStream(victim.streamId)).toMatchObject({ callId: victim.callId });
    } finally {
      await d.close();
    }
  });

  it('refuses phone tokens on a server without the dashboard', async () => {
    const srv = await startServer({});
    try {
      expect(await tryUpgrade(`${srv.streamUrl}?phone=anything`)).toMatchObject({ status: 403, body: expect.stringContaining('does not accept browser phone sessions') });
    } finally {
      await srv.close();
    }
  });
});
