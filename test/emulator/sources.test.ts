// Caller audio sources (flite speech, WAV at any rate, raw mu-law, silence) and the
// recordings: what the app received must be exactly what the caller track says was sent.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concatBytes, decodeMulaw, encodeMulaw, encodeWav, l16ToPcm, parseWav, peak, pcmToL16, tone } from '../../src/audio/index.js';
import { readCallerAudio } from '../../src/emulator/audio-file.js';
import { PlivoEmulator } from '../../src/emulator/index.js';
import { resampleAll } from '../../src/providers/flite/index.js';
import { playAudio, serializeOutbound } from '../../src/protocol/index.js';
import { needsDebian, transcribe } from '../support/debian.js';
import { codeOf, eventsOf, useCleanup } from '../support/emulator.js';
import { type AppStream, startFakeApp } from '../support/fake-app.js';

const open = useCleanup();

async function setup(format: 'mulaw/8000' | 'l16/8000' | 'l16/16000' = 'mulaw/8000') {
  const app = open(await startFakeApp({ format }));
  const emu = open(new PlivoEmulator());
  const call = await emu.startCall({ answerUrl: app.answerUrl, speed: 4 });
  const s = await app.nextStream();
  return { app, emu, call, s };
}

function receivedBytes(s: AppStream): Uint8Array {
  return concatBytes(s.messages.flatMap((m) => (m.event === 'media' ? [m.audio] : [])));
}

describe('caller audio sources', () => {
  it('say(): flite speech reaches the app as recognisable telephone audio', async (ctx) => {
    needsDebian(ctx, 'pocketsphinx_continuous', 'pocketsphinx pocketsphinx-en-us');
    const { call, s } = await setup();
    await call.say('I would like to book a table');
    await call.silence(300);
    const report = await call.hangup();
    const pcm16k = resampleAll(decodeMulaw(receivedBytes(s)), 8000, 16000);
    const phrases = ['i would like to book a table', 'i would like to cancel my order', 'what time is it'];
    expect(transcribe(pcm16k, phrases)).toBe('i would like to book a table');
    expect(eventsOf(report.timeline, 'caller_speech').map((e) => e.phase)).toEqual(['start', 'end']);
  });

  it('sends exactly what the caller track records (mu-law), and silence as 0xFF frames', async () => {
    const { call, s } = await setup();
    await call.play(tone(500, 300, 8000, { amplitude: 0.4 }), 8000);
    await call.silence(200);
    const report = await call.hangup();
    await new Promise((r) => setTimeout(r, 50));
    const got = receivedBytes(s);
    const rec = report.recording!.caller;
    expect(got.length).toBe(rec.length);
    expect(Buffer.from(got).equals(Buffer.from(encodeMulaw(rec)))).toBe(true);
    // The last 200 ms were silence: mu-law 0xFF.
    expect(got.subarray(got.length - 1600).every((b) => b === 0xff)).toBe(true);
    expect(peak(rec)).toBeGreaterThan(10_000);
  });

  it('converts a WAV of any rate to the stream format (44.1 kHz into L16 16 kHz)', async () => {
    const { call, s } = await setup('l16/16000');
    const dir = mkdtempSync(join(tmpdir(), 'callwire-wav-'));
    const file = join(dir, 'in.wav');
    writeFileSync(file, encodeWav(tone(1000, 400, 44100, { amplitude: 0.5 }), 44100));
    const audio = await readCallerAudio(file);
    expect(audio.sampleRate).toBe(44100);
    await call.play(audio.samples, audio.sampleRate, 'wav');
    const report = await call.hangup();
    await new Promise((r) => setTimeout(r, 50));
    const pcm = l16ToPcm(receivedBytes(s));
    expect(Buffer.from(pcmToL16(report.recording!.caller)).equals(Buffer.from(pcmToL16(pcm)))).toBe(true);
    // 400 ms of tone at 16 kHz: about 6400 loud samples.
    const loud = pcm.filter((v) => Math.abs(v) > 8000).length;
    expect(loud).toBeGreaterThan(2000);
    expect(report.recording!.sampleRate).toBe(16000);
  });

  it('reads raw 8 kHz mu-law files and refuses unknown headerless files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callwire-raw-'));
    const raw = encodeMulaw(tone(700, 100, 8000));
    writeFileSync(join(dir, 'a.ul'), raw);
    writeFileSync(join(dir, 'a.bin'), raw);
    const audio = await readCallerAudio(join(dir, 'a.ul'));
    expect(audio).toMatchObject({ sampleRate: 8000 });
    expect(audio.samples.length).toBe(800);
    expect(await codeOf(readCallerAudio(join(dir, 'a.bin')))).toBe('CONFIG_INVALID');
    expect(await codeOf(readCallerAudio(join(dir, 'missing.wav')))).toBe('CONFIG_FILE_UNREADABLE');
  });

  it('records what the caller heard, aligned with what they said, as a stereo WAV', async () => {
    const { call, s } = await setup();
    const reply = encodeMulaw(tone(300, 200, 8000, { amplitude: 0.5 }));
    await call.silence(100);
    s.send(serializeOutbound(playAudio('mulaw/8000', reply)));
    await call.waitForBotSpeech();
    await call.waitForBotSilence(100);
    const report = await call.hangup();
    const { caller, heard, sampleRate } = report.recording!;
    expect(caller.length).toBe(heard.length);
    const loud = [...heard].map((v, i) => (Math.abs(v) > 5000 ? i : -1)).filter((i) => i >= 0);
    // 200 ms of tone, played out contiguously.
    expect((loud.at(-1)! - loud[0]!) / sampleRate).toBeGreaterThan(0.18);
    expect((loud.at(-1)! - loud[0]!) / sampleRate).toBeLessThan(0.21);
    const wav = parseWav(report.recording!.stereoWav());
    expect(wav).toMatchObject({ channels: 2, sampleRate: 8000, bitsPerSample: 16 });
    const dv = new DataView(wav.data.buffer, wav.data.byteOffset, wav.data.byteLength);
    const i = loud[0]!;
    expect(dv.getInt16(i * 4 + 2, true)).toBe(heard[i]);
    expect(dv.getInt16(i * 4, true)).toBe(caller[i]);
  });

  it('recording can be turned off', async () => {
    const app = open(await startFakeApp());
    const emu = open(new PlivoEmulator());
    const call = await emu.startCall({ answerUrl: app.answerUrl, record: false });
    expect((await call.hangup()).recording).toBeUndefined();
  });

  it('presses DTMF keys as dtmf events', async () => {
    const { call, s } = await setup();
    call.pressDigit('5');
    call.pressDigit('#');
    const d = await s.next('dtmf');
    expect(d.dtmf).toMatchObject({ track: 'inbound', digit: '5' });
    expect((await s.next('dtmf')).dtmf.digit).toBe('#');
    expect(() => call.pressDigit('x')).toThrow(/DTMF/);
    await call.hangup();
  });
});
