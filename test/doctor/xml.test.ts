// The Stream XML group against answer documents with one thing wrong each. The emulated call
// then shows the consequence Plivo would produce (playAudio ignored, the call hung up, audio
// in the wrong format), so the XML row and the audio row agree.
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/index.js';
import { check, FAST } from '../support/doctor.js';
import { startDoctorApp } from '../support/doctor-app.js';
import { useCleanup } from '../support/emulator.js';

const open = useCleanup();

/** A <Stream> answer with exactly these attributes. */
function answer(attributes: string, streamUrl: string, after = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Stream ${attributes}>${streamUrl}</Stream>${after}\n</Response>\n`;
}

describe('doctor Stream XML checks', () => {
  it('bidirectional missing: Plivo ignores playAudio, so the caller hears nothing', async () => {
    const app = open(await startDoctorApp({ xml: (u) => answer(`keepCallAlive="true" contentType="audio/x-mulaw;rate=8000" statusCallbackUrl="${u.statusUrl}"`, u.streamUrl) }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl });
    const bidi = check(report, 'xml.bidirectional');
    expect(bidi.status).toBe('fail');
    expect(bidi.seen).toContain('bidirectional is not set');
    expect(bidi.fix).toBe('add bidirectional="true" to the <Stream> element');
    const first = check(report, 'audio.first');
    expect(first.status).toBe('fail');
    expect(first.seen).toContain('not bidirectional');
    for (const id of ['xml.audio-track', 'xml.content-type', 'xml.keep-call-alive', 'xml.status-callback'] as const) expect(check(report, id).status, id).toBe('ok');
  });

  it('contentType missing: a warning, and Plivo\'s default format makes the mu-law audio invalid_content_type', async () => {
    const app = open(await startDoctorApp({ xml: (u) => answer(`bidirectional="true" keepCallAlive="true" statusCallbackUrl="${u.statusUrl}"`, u.streamUrl) }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl });
    const ct = check(report, 'xml.content-type');
    expect(ct.status).toBe('warn');
    expect(ct.seen).toContain('docs disagree');
    expect(ct.fix).toContain('contentType="audio/x-mulaw;rate=8000"');
    expect(check(report, 'audio.content-type').status).toBe('fail');
  });

  it('keepCallAlive missing with <Stream> last: Plivo hangs up right after connecting', async () => {
    const app = open(await startDoctorApp({ xml: (u) => answer(`bidirectional="true" contentType="audio/x-mulaw;rate=8000" statusCallbackUrl="${u.statusUrl}"`, u.streamUrl) }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl });
    const kca = check(report, 'xml.keep-call-alive');
    expect(kca.status).toBe('fail');
    expect(kca.fix).toContain('keepCallAlive="true"');
    const first = check(report, 'audio.first');
    expect(first.status).toBe('fail');
    expect(first.fix).toContain('xml.keep-call-alive');
  });

  it('keepCallAlive missing with verbs after <Stream>: a warning naming them', async () => {
    const app = open(await startDoctorApp({ xml: (u) => answer('bidirectional="true" contentType="audio/x-mulaw;rate=8000"', u.streamUrl, '\n  <Speak>Goodbye</Speak>') }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl, idleMs: 0, call: false });
    const kca = check(report, 'xml.keep-call-alive');
    expect(kca.status).toBe('warn');
    expect(kca.seen).toContain('Speak run as soon as the stream starts');
    expect(check(report, 'xml.status-callback').status).toBe('warn');
  });

  it('audioTrack="both" with bidirectional, and a statusCallbackUrl that answers 404', async () => {
    const app = open(
      await startDoctorApp({ xml: (u) => answer(`bidirectional="true" audioTrack="both" keepCallAlive="true" contentType="audio/x-mulaw;rate=8000" statusCallbackUrl="${u.statusUrl}/missing"`, u.streamUrl) }),
    );
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl, idleMs: 0 });
    expect(check(report, 'xml.audio-track').status).toBe('fail');
    expect(check(report, 'xml.audio-track').fix).toContain('audioTrack="inbound"');
    const cb = check(report, 'xml.status-callback');
    expect(cb.status).toBe('fail');
    expect(cb.seen).toContain('HTTP 404');
    expect(cb.data.callbacks.length).toBeGreaterThan(0);
  });

  it('an answer URL that fails, and one that returns no <Stream>', async () => {
    const app = open(await startDoctorApp({ xml: () => '<Response><Speak>Hello</Speak></Response>' }));
    const noStream = await runDoctor({ ...FAST, answerUrl: app.answerUrl, idleMs: 0 });
    const parse = check(noStream, 'xml.parse');
    expect(parse.status).toBe('fail');
    expect(parse.seen).toContain('XML_NO_STREAM_ELEMENT');
    expect(check(noStream, 'url.scheme').seen).toContain('answer XML was not usable');
    const missing = await runDoctor({ ...FAST, answerUrl: `${app.base}/nothing-here`, idleMs: 0 });
    const fetch = check(missing, 'xml.fetch');
    expect(fetch.status).toBe('fail');
    expect(fetch.seen).toBe('HTTP 404');
    expect(check(missing, 'xml.parse').status).toBe('skip');
  });
});
