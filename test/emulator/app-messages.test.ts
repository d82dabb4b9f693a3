// What the emulator does with each message an app sends, against deliberately wrong apps:
// wrong contentType / sampleRate, WAV headers in payloads, 60 s of audio at once, a
// checkpoint sent before its audio could have played, clearAudio, sendDTMF.
import { describe, expect, it } from 'vitest';
import { encodeMulaw, encodeWav, peak, tone } from '../../src/audio/index.js';
import { ManualClock } from '../../src/clock.js';
import { type EmulatedCall, PlivoEmulator } from '../../src/emulator/index.js';
import { checkpoint, clearAudio, encodeBase64, playAudio, sendDtmf, serializeOutbound } from '../../src/protocol/index.js';
import { errorCodes, eventsOf, until, useCleanup } from '../support/emulator.js';
import { type AppStream, type FakeApp, startFakeApp } from '../support/fake-app.js';

const open = useCleanup();

/** 200 ms of a loud 440 Hz tone as mu-law. */
const TONE = encodeMulaw(tone(440, 200, 8000, { amplitude: 0.5 }));

async function connect(options: Parameters<typeof startFakeApp>[0] = {}, clock = new ManualClock()): Promise<{ call: EmulatedCall; s: AppStream; clock: ManualClock; app: FakeApp }> {
  const app = open(await startFakeApp(options));
  const emu = open(new PlivoEmulator({ clock, authToken: options.authToken }));
  const call = await emu.startCall({ answerUrl: app.answerUrl });
  const s = await app.nextStream();
  await s.next('start');
  return { call, s, clock, app };
}

/** Wait until the emulator has handled `n` messages from the app (for ManualClock tests). */
async function handled(call: EmulatedCall, n: number): Promise<void> {
  const count = (): number => call.streamSummaries().reduce((a, s) => a + s.messagesReceived, 0);
  await until(() => (count() >= n ? true : undefined), `${n} app messages`);
}

describe('playAudio', () => {
  it('plays accepted audio out in real time into the caller heard track', async () => {
    const { call, s, clock } = await connect();
    s.send(serializeOutbound(playAudio('mulaw/8000', TONE)));
    await handled(call, 1);
    clock.advance(400);
    const report = await call.hangup();
    const heard = report.recording!.heard;
    // 400 ms recorded (20 ticks); the 200 ms tone fills the first 10 frames, then silence.
    expect(heard.length).toBe(20 * 160);
    expect(peak(heard.subarray(0, 1600))).toBeGreaterThan(10_000);
    expect(peak(heard.subarray(1600))).toBe(0);
    expect(report.metrics.botAudioMs).toBe(200);
    expect(report.ok).toBe(true);
  });

  it('refuses a contentType or sampleRate that differs from the XML: invalid_content_type, audio dropped', async () => {
    const { call, s, clock } = await connect({ format: 'mulaw/8000' });
    s.send({ event: 'playAudio', media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: encodeBase64(TONE) } });
    s.send({ event: 'playAudio', media: { contentType: 'audio/x-mulaw', sampleRate: 16000, payload: encodeBase64(TONE) } });
    s.send({ event: 'playAudio', media: { contentType: 'audio/x-mulaw', sampleRate: 'eight thousand', payload: encodeBase64(TONE) } });
    await handled(call, 3);
    clock.advance(400);
    const report = await call.hangup();
    expect(errorCodes(report)).toEqual(['EMULATOR_INVALID_CONTENT_TYPE', 'EMULATOR_INVALID_CONTENT_TYPE', 'EMULATOR_INVALID_CONTENT_TYPE']);
    expect(report.protocolErrors.every((e) => e.plivoError === 'invalid_content_type')).toBe(true);
    expect(report.protocolErrors[0]!.message).toContain('audio/x-mulaw;rate=8000');
    expect(peak(report.recording!.heard)).toBe(0);
    expect(report.ok).toBe(false);
  });

  it('accepts a numeric-string sampleRate, and warns once about ";rate=" in contentType', async () => {
    const { call, s, clock } = await connect();
    s.send({ event: 'playAudio', media: { contentType: 'audio/x-mulaw', sampleRate: '8000', payload: encodeBase64(TONE) } });
    s.send({ event: 'playAudio', media: { contentType: 'audio/x-mulaw;rate=8000', sampleRate: 8000, payload: encodeBase64(TONE) } });
    s.send({ event: 'playAudio', media: { contentType: 'audio/x-mulaw;rate=8000', sampleRate: 8000, payload: encodeBase64(TONE) } });
    await handled(call, 3);
    clock.advance(700);
    const report = await call.hangup();
    expect(report.protocolErrors).toEqual([]);
    expect(report.metrics.botAudioMs).toBe(600);
    expect(report.warnings.filter((w) => w.includes(';rate='))).toHaveLength(1);
  });

  it('refuses WAV headers in payloads: the audio is dropped', async () => {
    const { call, s, clock } = await connect({ format: 'l16/8000' });
    const wav = encodeWav(tone(440, 200, 8000), 8000);
    s.send(serializeOutbound(playAudio('l16/8000', wav)));
    await handled(call, 1);
    clock.advance(300);
    const report = await call.hangup();
    expect(errorCodes(report)).toEqual(['EMULATOR_WAV_HEADER']);
    expect(peak(report.recording!.heard)).toBe(0);
  });

  it('ignores playAudio and checkpoints on a stream that is not bidirectional', async () => {
    const { call, s, clock } = await connect({ bidirectional: false });
    s.send(serializeOutbound(playAudio('mulaw/8000', TONE)));
    s.send(serializeOutbound(checkpoint(s.streamId, 'x')));
    await handled(call, 2);
    clock.advance(300);
    const report = await call.hangup();
    expect(errorCodes(report)).toEqual(['EMULATOR_NOT_BIDIRECTIONAL', 'EMULATOR_NOT_BIDIRECTIONAL']);
    expect(report.warnings).toContain('the Stream is not bidirectional: Plivo ignores playAudio on it');
    expect(s.messages.some((m) => m.event === 'playedStream')).toBe(false);
  });

  it('reports malformed frames with their protocol codes and keeps the stream up', async () => {
    const { call, s, clock } = await connect({ format: 'l16/8000' });
    s.send('not json');
    s.send({ event: 'mute' });
    s.send({ event: 'playAudio', media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: '!!!' } });
    s.send({ event: 'playAudio', media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: encodeBase64(new Uint8Array(321)) } });
    s.ws.send(Buffer.from([1, 2, 3]));
    s.send({ event: 'clearAudio', streamId: 'someone-else' });
    s.send({ event: 'sendDTMF', dtmf: 'xyz' });
    await handled(call, 7);
    clock.advance(100);
    const report = await call.hangup();
    expect(errorCodes(report)).toEqual([
      'PROTOCOL_INVALID_JSON',
      'PROTOCOL_UNKNOWN_EVENT',
      'PROTOCOL_INVALID_BASE64',
      'AUDIO_ODD_LENGTH',
      'PROTOCOL_BINARY_FRAME',
      'EMULATOR_WRONG_STREAM_ID',
      'PROTOCOL_INVALID_DTMF',
    ]);
    expect(report.hangup.by).toBe('caller');
  });
});

describe('the 40 s playout buffer', () => {
  it('takes 60 s sent at once as buffer levels 30/60/90 % (no DegradedStream: that is a slow connection), buffer_overflow, then DroppedStream', async () => {
    const { call, s, app } = await connect({ authToken: 'tok' });
    s.send(serializeOutbound(playAudio('mulaw/8000', new Uint8Array(60 * 8000).fill(0x7f))));
    const report = await call.finished;
    expect(eventsOf(report.timeline, 'buffer_level').map((e) => e.percent)).toEqual([30, 60, 90]);
    expect(errorCodes(report)).toEqual(['EMULATOR_BUFFER_OVERFLOW']);
    expect(report.protocolErrors[0]!.plivoError).toBe('buffer_overflow');
    expect(report.hangup.by).toBe('plivo');
    expect(report.streams[0]!.endReason).toBe('buffer_overflow');
    expect(await s.closed).toBe(1011);
    const events = app.callbacks.map((c) => c.params.Event);
    // DegradedStream is Plivo's slow-connection signal (test/emulator/slow-connection.test.ts),
    // not the app's own queue filling.
    expect(events).toEqual(['DroppedStream']);
    expect(app.callbacks[0]!.params.Error).toBe('buffer_overflow');
    expect(app.callbacks.every((c) => c.signatureValid)).toBe(true);
  });

  it('holds exactly 40 s and drains it in real time', async () => {
    const { call, s, clock } = await connect();
    for (let i = 0; i < 40; i++) s.send(serializeOutbound(playAudio('mulaw/8000', new Uint8Array(8000).fill(0x7f))));
    await handled(call, 40);
    clock.advance(10_000);
    const mid = call.streamSummaries()[0]!;
    expect(mid.audioReceivedMs).toBe(40_000);
    clock.advance(30_000);
    const report = await call.hangup();
    expect(report.protocolErrors).toEqual([]);
    expect(report.metrics.botAudioMs).toBe(40_000);
  });
});

describe('checkpoint, clearAudio, sendDTMF', () => {
  it('answers a checkpoint sent right after 1 s of audio only once that audio has played', async () => {
    const { call, s, clock } = await connect();
    s.send(serializeOutbound(playAudio('mulaw/8000', new Uint8Array(8000).fill(0x7f))));
    s.send(serializeOutbound(checkpoint(s.streamId, 'greeting-end')));
    await handled(call, 2);
    clock.advance(980);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.messages.some((m) => m.event === 'playedStream')).toBe(false);
    clock.advance(40);
    const played = await s.next('playedStream');
    expect(played).toMatchObject({ streamId: s.streamId, name: 'greeting-end' });
    expect(played.sequenceNumber).toBeGreaterThan(1);
    const report = await call.hangup();
    expect(eventsOf(report.timeline, 'checkpoint')[0]).toMatchObject({ name: 'greeting-end', pendingMs: 1000 });
    // The first tick after the audio arrived starts it (+20 ms), and the ack follows the end of its last frame.
    expect(report.metrics.checkpointRttMs).toEqual([1020]);
  });

  it('answers a checkpoint with nothing queued at the next frame', async () => {
    const { call, s, clock } = await connect();
    s.send(serializeOutbound(checkpoint(s.streamId, 'now')));
    await handled(call, 1);
    clock.advance(20);
    expect((await s.next('playedStream')).name).toBe('now');
    await call.hangup();
  });

  it('clearAudio drops the buffer, answers clearedAudio, and cleared checkpoints are never answered', async () => {
    const { call, s, clock } = await connect();
    s.send(serializeOutbound(playAudio('mulaw/8000', TONE)));
    s.send(serializeOutbound(checkpoint(s.streamId, 'a')));
    s.send(serializeOutbound(playAudio('mulaw/8000', TONE)));
    s.send(serializeOutbound(checkpoint(s.streamId, 'b')));
    await handled(call, 4);
    clock.advance(60);
    s.send(serializeOutbound(clearAudio(s.streamId)));
    const cleared = await s.next('clearedAudio');
    expect(cleared.streamId).toBe(s.streamId);
    s.send(serializeOutbound(checkpoint(s.streamId, 'c')));
    await handled(call, 6);
    clock.advance(1000);
    await s.next('playedStream');
    const names = s.messages.filter((m) => m.event === 'playedStream').map((m) => (m.event === 'playedStream' ? m.name : ''));
    expect(names).toEqual(['c']);
    const report = await call.hangup();
    const clear = eventsOf(report.timeline, 'clear_audio')[0]!;
    expect(clear.droppedMs).toBe(340);
    expect(clear.droppedCheckpoints).toEqual(['a', 'b']);
    expect(report.metrics.botAudioMs).toBe(60);
  });

  it('records sendDTMF', async () => {
    const { call, s } = await connect();
    s.send(serializeOutbound(sendDtmf('12#')));
    await handled(call, 1);
    const report = await call.hangup();
    expect(eventsOf(report.timeline, 'send_dtmf')).toMatchObject([{ digits: '12#', streamId: s.streamId }]);
  });
});

describe('timing of the first app message', () => {
  it('handles a message the app writes in the same instant as the handshake', async () => {
    for (let i = 0; i < 5; i++) {
      const app = open(await startFakeApp({ onStream: (s) => s.send(serializeOutbound(sendDtmf('1'))) }));
      const emu = open(new PlivoEmulator());
      const call = await emu.startCall({ answerUrl: app.answerUrl });
      await until(() => (call.timeline.some((e) => e.type === 'send_dtmf') ? true : undefined), 'the early sendDTMF');
      await call.hangup();
    }
  });
});
