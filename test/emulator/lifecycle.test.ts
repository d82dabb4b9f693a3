// Status callbacks and how streams and calls end (docs/plivo-protocol.md §3.6, §4).
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { PlivoEmulator } from '../../src/emulator/index.js';
import { parseStreamStatus } from '../../src/protocol/index.js';
import { codeOf, errorCodes, eventsOf, useCleanup } from '../support/emulator.js';
import { startFakeApp } from '../support/fake-app.js';
import { plivo } from '../support/plivo-oracle.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const TOKEN = 'status-token';
const open = useCleanup();

describe('status callbacks', () => {
  it('posts StartStream at the first media packet and StopStream at hang-up, signed, with the stream attributes', async () => {
    const app = open(await startFakeApp({ authToken: TOKEN, extraHeaders: 'k=v' }));
    const clock = new ManualClock();
    const emu = open(new PlivoEmulator({ authToken: TOKEN, clock }));
    const call = await emu.startCall({ answerUrl: app.answerUrl });
    const s = await app.nextStream();
    await new Promise((r) => setTimeout(r, 100));
    // Connected and `start` sent, but no audio yet: no StartStream.
    expect(app.callbacks).toEqual([]);
    clock.advance(20);
    const started = await app.callback('StartStream');
    await s.mediaCount(1);
    const report = await call.hangup();
    const stopped = await app.callback('StopStream');
    for (const cb of [started, stopped]) {
      expect(cb.method).toBe('POST');
      expect(cb.signatureValid).toBe(true);
      expect(plivo.validateV3Signature('POST', cb.url, String(cb.headers['x-plivo-signature-v3-nonce']), TOKEN, String(cb.headers['x-plivo-signature-v3']), cb.params)).toBe(true);
      expect(cb.params).toMatchObject({ StreamID: s.streamId, CallUUID: call.callId, bidirectional: 'true', contentType: 'audio/x-mulaw;rate=8000', extraHeaders: 'k=v', keepCallAlive: 'true' });
      expect(cb.params.Timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      const parsed = parseStreamStatus(cb.params);
      expect(parsed.streamId).toBe(s.streamId);
      expect(parsed.callId).toBe(call.callId);
    }
    expect(app.callbacks.map((c) => c.params.Event)).toEqual(['StartStream', 'StopStream']);
    expect(eventsOf(report.timeline, 'status_callback').map((e) => [e.event, e.status])).toEqual([
      ['StartStream', 200],
      ['StopStream', 200],
    ]);
    expect(await s.closed).toBe(1000);
  });

  it('uses GET with query parameters when statusCallbackMethod is GET', async () => {
    const app = open(await startFakeApp({ authToken: TOKEN, statusCallbackMethod: 'GET' }));
    const emu = open(new PlivoEmulator({ authToken: TOKEN }));
    const call = await emu.startCall({ answerUrl: app.answerUrl });
    await app.callback('StartStream');
    await call.hangup();
    const cb = await app.callback('StopStream');
    expect(cb.method).toBe('GET');
    expect(cb.signatureValid).toBe(true);
    expect(cb.params.Event).toBe('StopStream');
  });

  it('posts DroppedStream when the app drops the socket, and StopStream when it closes it normally', async () => {
    const app = open(await startFakeApp({ authToken: TOKEN }));
    const emu = open(new PlivoEmulator({ authToken: TOKEN }));
    // Without a reconnection (Plivo's default retries are tested below), the drop ends the call.
    let call = await emu.startCall({ answerUrl: app.answerUrl, reconnectDropped: false });
    let s = await app.nextStream();
    await app.callback('StartStream');
    s.ws.terminate();
    let report = await call.finished;
    expect((await app.callback('DroppedStream')).params.Error).toBe('connection_closed_1006');
    expect(errorCodes(report)).toEqual(['EMULATOR_STREAM_DROPPED']);
    expect(report.hangup.by).toBe('plivo');
    expect(report.streams[0]).toMatchObject({ endReason: 'dropped', closeCode: 1006 });

    app.callbacks.length = 0;
    call = await emu.startCall({ answerUrl: app.answerUrl });
    s = await app.nextStream();
    await app.callback('StartStream');
    s.ws.close(1000, 'bye');
    report = await call.finished;
    await app.callback('StopStream');
    expect(report.hangup).toMatchObject({ by: 'app', reason: 'the app closed the stream and no verb follows <Stream>: the call ends' });
    expect(report.ok).toBe(true);
  });
});

describe('keepCallAlive="true": closing the stream moves the call on', () => {
  it('to the verbs after <Stream> when there are some; the call ends only when none follow', async () => {
    const app = open(
      await startFakeApp({
        xml: ({ streamUrl }) =>
          `<?xml version="1.0" encoding="UTF-8"?><Response><Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-mulaw;rate=8000">${streamUrl}</Stream><Speak>Goodbye</Speak></Response>`,
      }),
    );
    const emu = open(new PlivoEmulator());
    const call = await emu.startCall({ answerUrl: app.answerUrl });
    (await app.nextStream()).ws.close(1000, 'done');
    const report = await call.finished;
    expect(report.hangup).toMatchObject({ by: 'app', reason: 'the app closed the stream: Plivo now runs <Speak>, which the emulator does not emulate' });
  });
});

describe('Plivo reconnects a dropped stream (reconnectDropped)', () => {
  it('the same call comes back with a new stream id and start; the caller\'s audio goes on; each stream gets its callbacks', async () => {
    const app = open(await startFakeApp({ authToken: TOKEN }));
    const emu = open(new PlivoEmulator({ authToken: TOKEN }));
    // Reconnecting is the default, as Plivo ("retry the WebSocket connection twice").
    const call = await emu.startCall({ answerUrl: app.answerUrl });
    const first = await app.nextStream();
    await first.mediaCount(5);
    first.ws.terminate();
    const second = await app.nextStream();
    const start = await second.next('start');
    expect(start.start.callId).toBe(call.callId);
    expect(start.start.streamId).not.toBe(first.streamId);
    expect(second.upgrade.signatureValid).toBe(true);
    await second.mediaCount(5);
    expect(call.isEnded).toBe(false);
    const report = await call.hangup();
    expect(eventsOf(report.timeline, 'stream_reconnect')).toMatchObject([{ streamId: second.streamId, previousStreamId: first.streamId }]);
    expect(report.streams.map((x) => [x.streamId, x.endReason])).toEqual([
      [first.streamId, 'dropped'],
      [second.streamId, 'hangup'],
    ]);
    expect(report.hangup.by).toBe('caller');
    await app.callback('StopStream');
    const events = app.callbacks.map((c) => [c.params.StreamID, c.params.Event]);
    expect(events).toEqual(expect.arrayContaining([[first.streamId, 'DroppedStream'], [second.streamId, 'StartStream'], [second.streamId, 'StopStream']]));
  });

  it('ends the call after two failed reconnection attempts; a normal close is not reconnected', async () => {
    const app = open(await startFakeApp());
    const proxy = open(await startTcpProxy(Number(new URL(app.base).port)));
    const emu = open(new PlivoEmulator());
    const call = await emu.startCall({ streamUrl: `ws://127.0.0.1:${proxy.port}/stream`, reconnectDropped: true });
    await (await app.nextStream()).mediaCount(2);
    proxy.refuse();
    proxy.cut();
    const report = await call.finished;
    expect(eventsOf(report.timeline, 'connecting').map((e) => e.attempt)).toEqual([1, 1, 2]);
    expect(report.hangup).toMatchObject({ by: 'plivo', reason: 'the stream dropped and 2 reconnection attempts failed' });
    expect(errorCodes(report)).toEqual(['EMULATOR_STREAM_DROPPED', 'EMULATOR_CONNECTION_FAILED']);

    proxy.accept();
    const again = await emu.startCall({ streamUrl: `ws://127.0.0.1:${proxy.port}/stream`, reconnectDropped: true });
    (await app.nextStream()).ws.close(1000, 'goodbye');
    expect((await again.finished).hangup).toMatchObject({ by: 'app' });
    expect(eventsOf((await again.finished).timeline, 'stream_reconnect')).toEqual([]);
  });
});

describe('connection failures', () => {
  it('retries twice, then reports authentication_failed and DroppedStream when the upgrade is refused', async () => {
    const app = open(await startFakeApp({ authToken: TOKEN, requireSignature: true }));
    const emu = open(new PlivoEmulator({ authToken: 'a-different-token' }));
    const call = emu.dial({ answerUrl: app.answerUrl, authToken: 'a-different-token' });
    expect(await codeOf(call.ready)).toBe('EMULATOR_AUTHENTICATION_FAILED');
    const report = await call.finished;
    expect(app.upgrades.length).toBe(3);
    expect(eventsOf(report.timeline, 'connect_failed').map((e) => e.status)).toEqual([403, 403, 403]);
    expect(report.protocolErrors).toMatchObject([{ code: 'EMULATOR_AUTHENTICATION_FAILED', plivoError: 'authentication_failed' }]);
    // The answer was signed with the wrong token too, so the app could not trust the callback either.
    const dropped = await app.callback('DroppedStream');
    expect(dropped.params.Error).toBe('authentication_failed');
    expect(report.ok).toBe(false);
  });

  it('reports connection_failed when nothing listens at the stream URL', async () => {
    const app = open(await startFakeApp({ xml: () => '<Response><Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-mulaw;rate=8000">ws://127.0.0.1:9/stream</Stream></Response>' }));
    const emu = open(new PlivoEmulator());
    const call = emu.dial({ answerUrl: app.answerUrl, connectRetries: 1 });
    expect(await codeOf(call.ready)).toBe('EMULATOR_CONNECTION_FAILED');
    const report = await call.finished;
    expect(eventsOf(report.timeline, 'connecting').length).toBe(2);
    expect(report.protocolErrors[0]!.plivoError).toBe('connection_failed');
  });
});

describe('ending', () => {
  it('stops the stream at streamTimeout (StopStream)', async () => {
    const app = open(await startFakeApp({ xml: ({ streamUrl, statusUrl }) => `<Response><Stream bidirectional="true" keepCallAlive="true" streamTimeout="2" statusCallbackUrl="${statusUrl}" contentType="audio/x-mulaw;rate=8000">${streamUrl}</Stream></Response>` }));
    const clock = new ManualClock();
    const emu = open(new PlivoEmulator({ clock }));
    const call = await emu.startCall({ answerUrl: app.answerUrl });
    clock.advance(2000);
    const report = await call.finished;
    expect(report.streams[0]!.endReason).toBe('stream_timeout');
    expect(report.hangup.by).toBe('plivo');
    await app.callback('StopStream');
  });

  it('ends the call at once when keepCallAlive is false and <Stream> is the last verb, as Plivo does', async () => {
    const app = open(await startFakeApp({ keepCallAlive: false }));
    const emu = open(new PlivoEmulator());
    const call = emu.dial({ answerUrl: app.answerUrl });
    const report = await call.finished;
    expect(report.hangup).toMatchObject({ by: 'plivo', reason: 'keepCallAlive="false" with nothing after <Stream>' });
    expect(report.warnings.some((w) => w.includes('keepCallAlive'))).toBe(true);
    const kept = await (emu as PlivoEmulator).startCall({ answerUrl: app.answerUrl, honorKeepCallAlive: false });
    expect(kept.isEnded).toBe(false);
    await kept.hangup();
  });

  it('hangs up after maxDurationMs, failing pending steps with EMULATOR_CALL_ENDED', async () => {
    const app = open(await startFakeApp());
    const clock = new ManualClock();
    const emu = open(new PlivoEmulator({ clock }));
    const call = await emu.startCall({ answerUrl: app.answerUrl, maxDurationMs: 1000 });
    const silence = call.silence(5000);
    const wait = call.waitForBotSpeech({ timeoutMs: 60_000 });
    clock.advance(1000);
    expect(await codeOf(silence)).toBe('EMULATOR_CALL_ENDED');
    expect(await codeOf(wait)).toBe('EMULATOR_CALL_ENDED');
    expect((await call.finished).hangup.by).toBe('timeout');
  });
});
