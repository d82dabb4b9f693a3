// `callwire serve --agent ai` with ANTHROPIC_API_KEY (or GEMINI_API_KEY) as the only LLM key
// runs the native client against its fake, and a rejected key stops start-up.
import { afterEach, describe, expect, it } from 'vitest';
import { startCall } from '../../src/emulator/index.js';
import { type FakeAnthropic, startFakeAnthropic } from '../../src/testing/fakes/anthropic.js';
import { type FakeDeepgram, startFakeDeepgram } from '../../src/testing/fakes/deepgram.js';
import { type FakeElevenLabs, startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { startFakeGemini } from '../../src/testing/fakes/gemini.js';
import { startFakeDeepgramAura } from '../../src/testing/fakes/deepgram-aura.js';
import { type Spawned, runCli, spawnCli } from '../support/cli.js';

let fakes: { dg: FakeDeepgram; an: FakeAnthropic; el: FakeElevenLabs } | undefined;
let proc: Spawned | undefined;
afterEach(async () => {
  proc?.child.kill('SIGTERM');
  await proc?.exited;
  proc = undefined;
  if (fakes) await Promise.all([fakes.dg.close(), fakes.an.close(), fakes.el.close()]);
  fakes = undefined;
});

async function env() {
  fakes = { dg: await startFakeDeepgram({ transcripts: ['what time do you close'] }), an: await startFakeAnthropic({ models: ['claude-3-5-haiku-latest'] }), el: await startFakeElevenLabs() };
  return {
    OPENAI_API_KEY: '',
    OPENAI_BASE_URL: '',
    CARTESIA_API_KEY: '',
    LLM_PROVIDER: '',
    LLM_MODEL: '',
    GEMINI_API_KEY: '',
    TTS_PROVIDER: '',
    CALLWIRE_AGENT: '',
    DEEPGRAM_API_KEY: fakes.dg.apiKey,
    DEEPGRAM_BASE_URL: fakes.dg.url,
    ANTHROPIC_API_KEY: fakes.an.apiKey,
    ANTHROPIC_BASE_URL: fakes.an.baseUrl,
    ELEVENLABS_API_KEY: fakes.el.apiKey,
    ELEVENLABS_BASE_URL: fakes.el.baseUrl,
  };
}

/** Greeting heard, the question asked, the answer heard, hang up cleanly. */
async function converse(base: string): Promise<void> {
  const call = await startCall({ answerUrl: `${base}/plivo/answer` });
  await call.waitForBotSpeech({ timeoutMs: 20_000 });
  await call.waitForBotSilence(400, { timeoutMs: 20_000 });
  await call.say('what time do you close');
  await call.waitForBotSpeech({ timeoutMs: 20_000 });
  await call.waitForBotSilence(500, { timeoutMs: 20_000 });
  expect((await call.hangup()).ok).toBe(true);
}

describe('callwire serve: Anthropic from the environment', () => {
  it('ANTHROPIC_API_KEY alone: the AI agent answers through the native Messages client, system prompt cached', async () => {
    const e = await env();
    fakes?.an.when(/close/, { text: 'We close at nine tonight.' });
    proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store', '--agent', 'ai'], e);
    await proc.waitFor(/serving the AI agent \(Deepgram STT, claude-3-5-haiku-latest at http:\/\/127\.0\.0\.1/);
    const [, base] = await proc.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
    await converse(base as string);
    const req = fakes?.an.requests.entries.at(-1);
    expect(req?.lastUser).toBe('what time do you close');
    expect(JSON.stringify(req?.body.system)).toContain('"cache_control":{"type":"ephemeral"}');
    expect(fakes?.el.texts).toContain('We close at nine tonight.');
  });

  it('a rejected ANTHROPIC_API_KEY stops start-up naming the variable, never the key', async () => {
    const e = { ...(await env()), ANTHROPIC_API_KEY: 'sk-ant-wrong-0123456789abcdef' };
    const r = await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store'], e, 30_000);
    expect(r.code).toBe(1);
    expect(r.output).toContain('PROVIDER_AUTH_FAILED');
    expect(r.output).toContain('ANTHROPIC_API_KEY');
    expect(r.output).not.toContain('sk-ant-wrong-0123456789abcdef');
  });

  it('GEMINI_API_KEY alone: the AI agent answers through the native Gemini client', async () => {
    const gm = await startFakeGemini();
    try {
      const e = { ...(await env()), ANTHROPIC_API_KEY: '', GEMINI_API_KEY: gm.apiKey, GEMINI_BASE_URL: gm.baseUrl };
      gm.when(/close/, { text: 'We close at nine tonight.' });
      proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store', '--agent', 'ai'], e);
      await proc.waitFor(/serving the AI agent \(Deepgram STT, gemini-2.0-flash at http:\/\/127\.0\.0\.1/);
      const [, base] = await proc.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
      await converse(base as string);
      expect(gm.requests.entries.at(-1)?.lastUser).toBe('what time do you close');
      expect(fakes?.el.texts).toContain('We close at nine tonight.');
    } finally {
      await gm.close();
    }
  });

  it('TTS_PROVIDER=deepgram-aura: the caller hears the answer in the Aura voice, on the Deepgram key', async () => {
    const aura = await startFakeDeepgramAura();
    try {
      const e = { ...(await env()), TTS_PROVIDER: 'deepgram-aura', DEEPGRAM_TTS_BASE_URL: aura.url, ELEVENLABS_API_KEY: '' };
      fakes?.an.when(/close/, { text: 'We close at nine tonight.' });
      proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store', '--agent', 'ai'], e);
      await proc.waitFor(/Deepgram Aura voice/);
      const [, base] = await proc.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
      await converse(base as string);
      expect(aura.segments.entries.map((x) => x.text)).toContain('We close at nine tonight.');
      expect(aura.connections.entries.find((c) => c.outcome === 'accepted')?.query).toMatchObject({ encoding: 'mulaw', sample_rate: '8000' });
    } finally {
      await aura.close();
    }
  });
});
