// The audio group against purpose-built apps, healthy and broken: each broken one is
// diagnosed by the check that owns the problem, with the guide's remedy.
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/index.js';
import { useCleanup } from '../support/emulator.js';
import { check, FAST, problems } from '../support/doctor.js';
import { startDoctorApp } from '../support/doctor-app.js';

const open = useCleanup();

describe('doctor audio checks', () => {
  it('passes a healthy app: greeting, echo, paced audio with checkpoints, at its real rate', async () => {
    const app = open(await startDoctorApp());
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl });
    expect(problems(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.mode).toBe('development');
    for (const id of ['audio.first', 'audio.response', 'audio.content-type', 'audio.wav-header', 'audio.rate', 'audio.pacing', 'audio.protocol'] as const) {
      expect(check(report, id).status, id).toBe('ok');
    }
    const rate = check(report, 'audio.rate');
    expect(rate.data.medianPitchHz).toBeGreaterThan(75);
    expect(check(report, 'latency.checkpoint').data.count).toBeGreaterThan(0);
  });

  it('wrong contentType in playAudio: invalid_content_type, with the format the XML declares', async () => {
    const app = open(await startDoctorApp({ audio: 'wrong-content-type' }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl });
    const ct = check(report, 'audio.content-type');
    expect(ct.status).toBe('fail');
    expect(ct.seen).toContain('invalid_content_type');
    expect(ct.seen).toContain('audio/x-l16');
    expect(ct.fix).toContain('contentType "audio/x-mulaw" and sampleRate 8000');
    expect(ct.data.refused).toBeGreaterThan(0);
    expect(check(report, 'audio.first').status).toBe('fail');
    expect(check(report, 'audio.first').fix).toContain('audio.content-type');
    expect(check(report, 'xml.content-type').status).toBe('ok');
    expect(report.ok).toBe(false);
  });

  it('WAV headers in payloads: raw audio only', async () => {
    const app = open(await startDoctorApp({ audio: 'wav-header' }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl });
    const wav = check(report, 'audio.wav-header');
    expect(wav.status).toBe('fail');
    expect(wav.seen).toContain('RIFF/WAVE header');
    expect(wav.fix).toContain('strip the 44-byte WAV header');
    expect(check(report, 'audio.content-type').status).toBe('ok');
  });

  it('16 kHz audio declared as 8 kHz: the pitch gives it away although every header is right', async () => {
    const app = open(await startDoctorApp({ audio: 'rate-16k-as-8k' }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl });
    const rate = check(report, 'audio.rate');
    expect(rate.status).toBe('fail');
    expect(rate.data.medianPitchHz).toBeLessThan(75);
    expect(rate.seen).toContain('about 16000 Hz played as 8000 Hz');
    expect(rate.fix).toContain('resample the TTS output to 8000 Hz');
    expect(check(report, 'audio.content-type').status).toBe('ok');
    expect(check(report, 'audio.wav-header').status).toBe('ok');
  });

  it('60 s of audio dumped at once: buffer_overflow and a dropped stream', async () => {
    const app = open(await startDoctorApp({ audio: 'dump-60s' }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl });
    const pacing = check(report, 'audio.pacing');
    expect(pacing.status).toBe('fail');
    expect(pacing.seen).toContain('buffer_overflow');
    expect(pacing.fix).toContain('pace playAudio to real time');
    expect(pacing.data.bufferPercent).toBe(90);
    expect(check(report, 'xml.status-callback').data.callbacks.map((c) => c.event)).toContain('DroppedStream');
  });
});
