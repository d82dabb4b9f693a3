// `callwire serve --agent ai` with STT_PROVIDER=assemblyai transcribes the caller through the
// AssemblyAI v3 client against its fake, and a rejected ASSEMBLYAI_API_KEY stops start-up.
import { afterEach, describe, expect, it } from 'vitest';
import { startCall } from '../../src/emulator/index.js';
import { type FakeAnthropic, startFakeAnthropic } from '../../src/testing/fakes/anthropic.js';
import { type FakeAssemblyAi, startFakeAssemblyAi } from '../../src/testing/fakes/assemblyai.js';
import { type FakeElevenLabs, startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { type Spawned, runCli, spawnCli } from '../support/cli.js';

let fakes: { aai: FakeAssemblyAi; an: FakeAnthropic; el: FakeElevenLabs } | undefined;
let proc: Spawned | undefined;
afterEach(async () => {
  proc?.child.kill('SIGTERM');
  await proc?.exited;
  proc = undefined;
  if (fakes) await Promise.all([fakes.aai.close(), fakes.an.close(), fakes.el.close()]);
  fakes = undefined;
});

async function env() {
  fakes = { aai: await startFakeAssemblyAi({ transcripts: ['What time do you close?'] }), an: await startFakeAnthropic({ models: ['claude-3-5-haiku-latest'] }), el: await startFakeElevenLabs() };
  return {
    OPENAI_API_KEY: '',
    OPENAI_BASE_URL: '',
    CARTESIA_API_KEY: '',
    LLM_PROVIDER: '',
    LLM_MODEL: '',
    GEMINI_API_KEY: '',
    TTS_PROVIDER: '',
    CALLWIRE_AGENT: '',
    DEEPGRAM_API_KEY: '',
    STT_PROVIDER: 'assemblyai',
    ASSEMBLYAI_API_KEY: fakes.aai.apiKey,
    ASSEMBLYAI_BASE_URL: fakes.aai.url,
    ANTHROPIC_API_KEY: fakes.an.apiKey,
    ANTHROPIC_BASE_URL: fakes.an.baseUrl,
    ELEVENLABS_API_KEY: fakes.el.apiKey,
    ELEVENLABS_BASE_URL: fakes.el.baseUrl,
  };
}

describe('callwire serve: AssemblyAI from the environment', () => {
  it('STT_PROVIDER=assemblyai: the caller is transcribed by AssemblyAI (mu-law 8 kHz as is) and answered', async () => {
    const e = await env();
    fakes?.an.when(/close/, { text: 'We close at nine tonight.' });
    proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store', '--agent', 'ai'], e);
    await proc.waitFor(/serving the AI agent \(AssemblyAI STT, claude-3-5-haiku-latest/);
    const [, base] = await proc.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const call = await startCall({ answerUrl: `${base}/plivo/answer` });
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    await call.say('what time do you close');
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(500, { timeoutMs: 20_000 });
    expect((await call.hangup()).ok).toBe(true);
    expect(fakes?.an.requests.entries.at(-1)?.lastUser).toBe('What time do you close?');
    expect(fakes?.el.texts).toContain('We close at nine tonight.');
    const call0 = fakes?.aai.connections.entries.find((c) => c.outcome === 'accepted' && c.query.encoding === 'pcm_mulaw');
    expect(call0?.query.sample_rate).toBe('8000');
  });

  it('a rejected ASSEMBLYAI_API_KEY stops start-up naming the variable, never the key', async () => {
    const e = { ...(await env()), ASSEMBLYAI_API_KEY: 'aai-wrong-0123456789abcdef' };
    const r = await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store'], e, 30_000);
    expect(r.code).toBe(1);
    expect(r.output).toContain('PROVIDER_AUTH_FAILED');
    expect(r.output).toContain('ASSEMBLYAI_API_KEY');
    expect(r.output).not.toContain('aai-wrong-0123456789abcdef');
  });
});
