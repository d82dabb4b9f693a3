// `callwire serve --agent ai` with STT_PROVIDER=sarvam and TTS_PROVIDER=sarvam hears and answers
// the caller through the Sarvam streaming clients against their fakes, and a rejected
// SARVAM_API_KEY stops start-up.
import { afterEach, describe, expect, it } from 'vitest';
import { startCall } from '../../src/emulator/index.js';
import { type FakeAnthropic, startFakeAnthropic } from '../../src/testing/fakes/anthropic.js';
import { type FakeElevenLabs, startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { type FakeSarvamStt, startFakeSarvamStt } from '../../src/testing/fakes/sarvam-stt.js';
import { type FakeSarvamTts, startFakeSarvamTts } from '../../src/testing/fakes/sarvam-tts.js';
import { type Spawned, runCli, spawnCli } from '../support/cli.js';

let fakes: { sv: FakeSarvamStt; st: FakeSarvamTts; an: FakeAnthropic; el: FakeElevenLabs } | undefined;
let proc: Spawned | undefined;
afterEach(async () => {
  proc?.child.kill('SIGTERM');
  await proc?.exited;
  proc = undefined;
  if (fakes) await Promise.all([fakes.sv.close(), fakes.st.close(), fakes.an.close(), fakes.el.close()]);
  fakes = undefined;
});

async function env() {
  fakes = { sv: await startFakeSarvamStt({ transcripts: ['आप कब बंद करते हैं'] }), st: await startFakeSarvamTts(), an: await startFakeAnthropic({ models: ['claude-3-5-haiku-latest'] }), el: await startFakeElevenLabs() };
  return {
    OPENAI_API_KEY: '',
    OPENAI_BASE_URL: '',
    CARTESIA_API_KEY: '',
    LLM_PROVIDER: '',
    LLM_MODEL: '',
    GEMINI_API_KEY: '',
    TTS_PROVIDER: 'sarvam',
    CALLWIRE_AGENT: '',
    DEEPGRAM_API_KEY: '',
    SARVAM_SPEAKER: 'anushka',
    STT_PROVIDER: 'sarvam',
    SARVAM_API_KEY: fakes.sv.apiKey,
    SARVAM_BASE_URL: fakes.sv.url,
    SARVAM_TTS_BASE_URL: fakes.st.url,
    SARVAM_LANGUAGE: 'hi-IN',
    ANTHROPIC_API_KEY: fakes.an.apiKey,
    ANTHROPIC_BASE_URL: fakes.an.baseUrl,
    ELEVENLABS_API_KEY: fakes.el.apiKey,
    ELEVENLABS_BASE_URL: fakes.el.baseUrl,
  };
}

describe('callwire serve: Sarvam STT from the environment', () => {
  it('STT_PROVIDER=sarvam, TTS_PROVIDER=sarvam: the caller is transcribed by Sarvam (L16 8 kHz, hi-IN) and answered in a Sarvam voice', async () => {
    const e = await env();
    fakes?.an.when(/बंद/, { text: 'We close at nine tonight.' });
    proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store', '--agent', 'ai'], e);
    await proc.waitFor(/serving the AI agent \(Sarvam STT, claude-3-5-haiku-latest.*Sarvam voice/);
    const [, base] = await proc.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const call = await startCall({ answerUrl: `${base}/plivo/answer` });
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    await call.say('aap kab band karte hain');
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(500, { timeoutMs: 20_000 });
    expect((await call.hangup()).ok).toBe(true);
    expect(fakes?.sv.transcripts()[0]).toBe('आप कब बंद करते हैं');
    const q = fakes?.sv.connections.entries.find((c) => c.outcome === 'accepted')?.query;
    expect(q).toMatchObject({ 'language-code': 'hi-IN', sample_rate: '8000', input_audio_codec: 'pcm_s16le' });
    // The greeting and the answer were spoken by Sarvam at 8 kHz.
    expect(fakes?.st.segments.entries.filter((x) => x.outcome === 'final').length).toBeGreaterThanOrEqual(2);
    expect(fakes?.st.received.entries.find((m) => m.type === 'config')?.data).toMatchObject({ speaker: 'anushka', speech_sample_rate: '8000', target_language_code: 'hi-IN' });
  });

  it('a rejected SARVAM_API_KEY stops start-up naming the variable, never the key', async () => {
    const e = { ...(await env()), SARVAM_API_KEY: 'sv-wrong-0123456789abcdef' };
    const r = await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store'], e, 30_000);
    expect(r.code).toBe(1);
    expect(r.output).toContain('PROVIDER_AUTH_FAILED');
    expect(r.output).toContain('SARVAM_API_KEY');
    expect(r.output).not.toContain('sv-wrong-0123456789abcdef');
  });
});
