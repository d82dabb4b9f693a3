// `callwire serve --agent ai` with fallback chains from the environment: a backup LLM answers
// when the primary is unreachable, and each chain member's key is checked at start.
import { afterEach, describe, expect, it } from 'vitest';
import { startCall } from '../../src/emulator/index.js';
import { type FakeDeepgram, startFakeDeepgram } from '../../src/testing/fakes/deepgram.js';
import { type FakeElevenLabs, startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { type FakeOpenAi, startFakeOpenAi } from '../../src/testing/fakes/openai.js';
import { type Spawned, runCli, spawnCli } from '../support/cli.js';

const NO_KEYS = { DEEPGRAM_API_KEY: '', OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ELEVENLABS_API_KEY: '', CARTESIA_API_KEY: '', CALLWIRE_AGENT: '', TTS_FALLBACK: '', LLM_FALLBACK_BASE_URL: '', DEEPGRAM_FALLBACK_BASE_URL: '' };
let fakes: { dg: FakeDeepgram; dead: FakeOpenAi; backup: FakeOpenAi; el: FakeElevenLabs } | undefined;
let proc: Spawned | undefined;
afterEach(async () => {
  proc?.child.kill('SIGTERM');
  await proc?.exited;
  proc = undefined;
  if (fakes) await Promise.all([fakes.dg.close(), fakes.backup.close(), fakes.el.close()]);
  fakes = undefined;
});

async function startFakes() {
  const dead = await startFakeOpenAi();
  await dead.close();
  fakes = { dg: await startFakeDeepgram({ transcripts: ['what time do you close'] }), dead, backup: await startFakeOpenAi({ apiKey: 'backup-key' }), el: await startFakeElevenLabs() };
  return {
    ...NO_KEYS,
    DEEPGRAM_API_KEY: fakes.dg.apiKey,
    DEEPGRAM_BASE_URL: fakes.dg.url,
    // The primary LLM is down (a closed port); the backup is up.
    OPENAI_API_KEY: dead.apiKey,
    OPENAI_BASE_URL: dead.baseUrl,
    LLM_FALLBACK_BASE_URL: fakes.backup.baseUrl,
    LLM_FALLBACK_API_KEY: 'backup-key',
    ELEVENLABS_API_KEY: fakes.el.apiKey,
    ELEVENLABS_BASE_URL: fakes.el.baseUrl,
  };
}

describe('callwire serve: fallback chains from the environment', () => {
  it('LLM_FALLBACK_BASE_URL: with the primary LLM unreachable, the caller gets the answer from the backup', async () => {
    const env = await startFakes();
    fakes?.backup.chat.when(/close/, { text: 'We close at nine tonight.' });
    proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store', '--agent', 'ai'], env);
    await proc.waitFor(/the LLM falls back to gpt-4o-mini at http:\/\/127\.0\.0\.1/);
    const [, base] = await proc.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const call = await startCall({ answerUrl: `${base}/plivo/answer` });
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    await call.say('what time do you close');
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(500, { timeoutMs: 20_000 });
    const report = await call.hangup();
    expect(report.ok).toBe(true);
    expect(fakes?.backup.chat.requests.entries.at(-1)?.lastUser).toBe('what time do you close');
    expect(fakes?.el.texts).toContain('We close at nine tonight.');
  });

  it('a backup whose key is rejected stops start-up naming its variable; a backup voice without its key is a configuration error', async () => {
    const env = await startFakes();
    const bad = await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store'], { ...env, LLM_FALLBACK_API_KEY: 'wrong-key-0123456789abcdef' }, 30_000);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('PROVIDER_AUTH_FAILED');
    expect(bad.output).toContain('LLM_FALLBACK_API_KEY');
    expect(bad.output).not.toContain('wrong-key-0123456789abcdef');
    const voice = await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store'], { ...env, TTS_FALLBACK: 'cartesia' }, 30_000);
    expect(voice.code).toBe(1);
    expect(voice.output).toContain('TTS_FALLBACK lists cartesia, which needs CARTESIA_API_KEY');
  });
});
