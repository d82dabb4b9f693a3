// The answer request, the signed upgrade and the `start` / `media` messages, as Plivo sends
// them (docs/plivo-protocol.md §2, §5). Signatures are checked with the official plivo SDK.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { PlivoEmulator } from '../../src/emulator/index.js';
import { STREAM_FORMATS } from '../../src/protocol/index.js';
import { codeOf, eventsOf, useCleanup } from '../support/emulator.js';
import { startFakeApp } from '../support/fake-app.js';
import { plivo } from '../support/plivo-oracle.js';

const TOKEN = 'MzQ1Njc4OTAxMjM0NTY3ODkwMTI';
const open = useCleanup();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('answer URL', () => {
  it('POSTs the call parameters form-encoded, signed with V3, Ma-V3 and a nonce', async () => {
    const app = open(await startFakeApp({ authToken: TOKEN }));
    const emu = open(new PlivoEmulator({ authToken: TOKEN }));
    const call = await emu.startCall({ answerUrl: app.answerUrl, from: '+15550001111', to: '+15550002222' });
    const req = app.answers[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.params).toMatchObject({ CallUUID: call.callId, From: '+15550001111', To: '+15550002222', Direction: 'inbound', CallStatus: 'ringing', Event: 'StartApp' });
    expect(req.signatureValid).toBe(true);
    const nonce = String(req.headers['x-plivo-signature-v3-nonce']);
    expect(nonce).toMatch(/^\d{20}$/);
    const sig = String(req.headers['x-plivo-signature-v3']);
    expect(req.headers['x-plivo-signature-ma-v3']).toBe(sig);
    expect(plivo.validateV3Signature('POST', req.url, nonce, TOKEN, sig, req.params)).toBe(true);
    expect(plivo.validateV3Signature('POST', req.url, nonce, 'wrong-token', sig, req.params)).toBe(false);
  });

  it('can GET the answer URL with the parameters in the query, signed over that URL', async () => {
    const app = open(await startFakeApp({ authToken: TOKEN }));
    const emu = open(new PlivoEmulator({ authToken: TOKEN }));
    await emu.startCall({ answerUrl: `${app.answerUrl}?tenant=7`, answerMethod: 'GET' });
    const req = app.answers[0]!;
    expect(req.method).toBe('GET');
    expect(req.params).toMatchObject({ tenant: '7', Direction: 'inbound' });
    expect(req.signatureValid).toBe(true);
    expect(plivo.validateV3Signature('GET', req.url, String(req.headers['x-plivo-signature-v3-nonce']), TOKEN, String(req.headers['x-plivo-signature-v3']))).toBe(true);
  });

  it('sends no signature headers without an auth token', async () => {
    const app = open(await startFakeApp());
    const emu = open(new PlivoEmulator());
    await emu.startCall({ answerUrl: app.answerUrl });
    expect(app.answers[0]!.headers['x-plivo-signature-v3']).toBeUndefined();
    expect(app.upgrades[0]!.headers['x-plivo-signature-v3']).toBeUndefined();
  });

  it('fails the call with EMULATOR_ANSWER_FAILED on an error status, XML without <Stream>, an unsupported contentType or streamTimeout', async () => {
    const bodies = [
      () => '<Response><Speak>Hi</Speak></Response>',
      ...['0', '-5', '1.5', 'abc', ''].map((t) => ({ streamUrl }: { streamUrl: string }) => `<Response><Stream bidirectional="true" streamTimeout="${t}">${streamUrl}</Stream></Response>`),
      ({ streamUrl }: { streamUrl: string }) => `<Response><Stream bidirectional="true" contentType="audio/x-mulaw;rate=16000">${streamUrl}</Stream></Response>`,
      () => '<Response><Stream',
    ];
    for (const xml of bodies) {
      const app = open(await startFakeApp({ xml }));
      const emu = open(new PlivoEmulator());
      const call = emu.dial({ answerUrl: app.answerUrl });
      expect(await codeOf(call.ready)).toBe('EMULATOR_ANSWER_FAILED');
      const report = await call.finished;
      expect(report.ok).toBe(false);
      expect(report.hangup.by).toBe('plivo');
      expect(app.upgrades.length).toBe(0);
    }
    const emu = open(new PlivoEmulator());
    const refused = emu.dial({ answerUrl: 'http://127.0.0.1:9/answer' });
    expect(await codeOf(refused.ready)).toBe('EMULATOR_CONNECTION_FAILED');
  });
});

describe('stream upgrade', () => {
  it('connects to the URL in the XML with a GET signed over that URL as written', async () => {
    const app = open(await startFakeApp({ authToken: TOKEN, requireSignature: true }));
    const emu = open(new PlivoEmulator({ authToken: TOKEN }));
    await emu.startCall({ answerUrl: app.answerUrl });
    const up = app.upgrades[0]!;
    expect(up.url).toBe(app.streamUrl);
    expect(up.signedAs).toBe('as-written');
    expect(plivo.validateV3Signature('GET', up.url, String(up.headers['x-plivo-signature-v3-nonce']), TOKEN, String(up.headers['x-plivo-signature-v3']))).toBe(true);
  });

  it('can sign the https:// form of the stream URL instead', async () => {
    const app = open(await startFakeApp({ authToken: TOKEN }));
    const emu = open(new PlivoEmulator({ authToken: TOKEN }));
    await emu.startCall({ answerUrl: app.answerUrl, signUpgradeAs: 'https' });
    expect(app.upgrades[0]!.signedAs).toBe('https');
  });

  it('connects straight to a WebSocket URL with a given format (no answer request)', async () => {
    const app = open(await startFakeApp());
    const emu = open(new PlivoEmulator());
    const call = await emu.startCall({ streamUrl: app.streamUrl, format: 'l16-16k' });
    const s = await app.nextStream();
    const start = await s.next('start');
    expect(start.start.mediaFormat).toEqual({ encoding: 'audio/x-l16', sampleRate: 16000 });
    expect(app.answers.length).toBe(0);
    expect(call.format?.name).toBe('l16/16000');
  });
});

describe('start and media', () => {
  it('sends start first with every field, extra_headers from the XML', async () => {
    const app = open(await startFakeApp({ authToken: TOKEN, format: 'l16/8000', extraHeaders: 'userId=12345,plan=gold' }));
    const emu = open(new PlivoEmulator({ authToken: TOKEN, authId: 'MAXXXXXXXXXXXXXXXXXX' }));
    const call = await emu.startCall({ answerUrl: app.answerUrl });
    const s = await app.nextStream();
    await s.mediaCount(1);
    const start = s.messages[0]!;
    expect(start.event).toBe('start');
    if (start.event !== 'start') return;
    expect(start.sequenceNumber).toBe(1);
    expect(start.start.callId).toBe(call.callId);
    expect(start.start.streamId).toMatch(UUID);
    expect(start.start.accountId).toBe('MAXXXXXXXXXXXXXXXXXX');
    expect(start.start.tracks).toEqual(['inbound']);
    expect(start.start.mediaFormat).toEqual({ encoding: 'audio/x-l16', sampleRate: 8000 });
    expect(start.extra_headers).toBe('userId=12345,plan=gold');
    expect(call.streamIds).toEqual([start.start.streamId]);
  });

  for (const format of Object.values(STREAM_FORMATS)) {
    it(`sends 20 ms media frames of ${format.frameBytes} B for ${format.name}, numbered as Plivo numbers them`, async () => {
      const app = open(await startFakeApp({ format: format.name, extraHeaders: 'a=1' }));
      const emu = open(new PlivoEmulator());
      await emu.startCall({ answerUrl: app.answerUrl });
      const s = await app.nextStream();
      const media = await s.mediaCount(10);
      const before = Date.now();
      media.forEach((m, i) => {
        expect(m.audio.length).toBe(format.frameBytes);
        expect(m.sequenceNumber).toBe(i + 2);
        expect(m.media.chunk).toBe(i + 1);
        expect(m.media.track).toBe('inbound');
        expect(m.streamId).toBe(s.streamId);
        expect(m.extra_headers).toBe('a=1');
        expect(typeof m.media.timestamp).toBe('string');
        expect(Math.abs(Number(m.media.timestamp) - before)).toBeLessThan(30_000);
        if (i > 0) expect(Number(m.media.timestamp)).toBeGreaterThanOrEqual(Number(media[i - 1]!.media.timestamp));
      });
    });
  }

  it('paces frames on the clock: one per 20 ms, or per 20/speed ms', async () => {
    for (const speed of [1, 4]) {
      const app = open(await startFakeApp());
      const clock = new ManualClock();
      const emu = open(new PlivoEmulator({ clock }));
      await emu.startCall({ answerUrl: app.answerUrl, speed });
      const s = await app.nextStream();
      clock.advance(1000);
      await s.mediaCount(50 * speed);
      await new Promise((r) => setTimeout(r, 50));
      expect(s.messages.filter((m) => m.event === 'media').length).toBe(50 * speed);
    }
  });

  it('records the answer and the connection on the timeline', async () => {
    const app = open(await startFakeApp());
    const emu = open(new PlivoEmulator());
    const call = await emu.startCall({ answerUrl: app.answerUrl });
    const report = await call.hangup();
    const types = report.timeline.map((e) => e.type);
    expect(types.slice(0, 5)).toEqual(['answer_request', 'answer', 'warning', 'connecting', 'connected']);
    expect(eventsOf(report.timeline, 'answer')[0]).toMatchObject({ status: 200, verbs: ['Stream'], streamUrl: app.streamUrl, contentType: 'audio/x-mulaw;rate=8000' });
    // Plivo accepts ws:// (its REST API lists ws:// service URLs): a warning about encryption, not a rule.
    expect(report.warnings).toEqual(['the Stream URL is not wss:// (Plivo connects, but the audio travels unencrypted; use wss:// in production)']);
    expect(report.ok).toBe(true);
  });
});
