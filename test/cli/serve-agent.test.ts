// `callwire serve` picks its agent from the environment and checks credentials at start.
import { afterEach, describe, expect, it } from 'vitest';
import { startCall } from '../../src/emulator/index.js';
import { type FakeDeepgram, startFakeDeepgram } from '../../src/testing/fakes/deepgram.js';
import { type FakeElevenLabs, startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { type FakeOpenAi, startFakeOpenAi } from '../../src/testing/fakes/openai.js';
import { type Spawned, runCli, spawnCli } from '../support/cli.js';

const NO_KEYS = { DEEPGRAM_API_KEY: '', OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ELEVENLABS_API_KEY: '', CARTESIA_API_KEY: '', CALLWIRE_AGENT: '' };
let fakes: { dg: FakeDeepgram; openai: FakeOpenAi; el: FakeElevenLabs } | undefined;
let proc: Spawned | undefined;
afterEach(async () => {
  proc?.child.kill('SIGTERM');
  await proc?.exited;
  proc = undefined;
  if (fakes) await Promise.all([fakes.dg.close(), fakes.openai.close(), fakes.el.close()]);
  fakes = undefined;
});

async function startFakes() {
  fakes = { dg: await startFakeDeepgram({ transcripts: ['what time do you close'] }), openai: await startFakeOpenAi(), el: await startFakeElevenLabs() };
  return {
    ...NO_KEYS,
    DEEPGRAM_API_KEY: fakes.dg.apiKey,
    DEEPGRAM_BASE_URL: fakes.dg.url,
    OPENAI_API_KEY: fakes.openai.apiKey,
    OPENAI_BASE_URL: fakes.openai.baseUrl,
    ELEVENLABS_API_KEY: fakes.el.apiKey,
    ELEVENLABS_BASE_URL: fakes.el.baseUrl,
  };
}

describe('callwire serve: which agent', () => {
  it('without keys serves the built-in agent and says which keys the AI agent needs', async () => {
    proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store'], NO_KEYS);
    const [line] = await proc.waitFor(/serving the built-in agent[^"]*/);
    expect(line).toContain('DEEPGRAM_API_KEY');
    expect(line).toContain('ELEVENLABS_API_KEY or CARTESIA_API_KEY');
  });

  it('with keys serves the AI agent, which holds a conversation through the providers', async () => {
    const env = await startFakes();
    fakes?.openai.chat.when(/close/, { text: 'We close at nine tonight.' });
    proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store'], env);
    await proc.waitFor(/serving the AI agent \(Deepgram STT, gpt-4o-mini/);
    const [, base] = await proc.waitFor(/callwire listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const call = await startCall({ answerUrl: `${base}/plivo/answer` });
    await call.waitForBotSpeech({ timeoutMs: 20_000 }); // the greeting, synthesized by the ElevenLabs client
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    await call.say('what time do you close');
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(500, { timeoutMs: 20_000 });
    const report = await call.hangup();
    expect(report.ok).toBe(true);
    expect(fakes?.el.texts).toEqual(expect.arrayContaining(['Hello! How can I help you today?', 'We close at nine tonight.']));
    expect(fakes?.openai.chat.requests.entries.at(-1)?.lastUser).toBe('what time do you close');
  });

  it('a rejected key stops start-up with a message naming the env var, never the key', async () => {
    const env = { ...(await startFakes()), DEEPGRAM_API_KEY: 'wrong-key-0123456789abcdef' };
    const r = await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--no-store'], env, 30_000);
    expect(r.code).toBe(1);
    expect(r.output).toContain('PROVIDER_AUTH_FAILED');
    expect(r.output).toContain('DEEPGRAM_API_KEY');
    expect(r.output).not.toContain('wrong-key-0123456789abcdef');
    expect(r.output).not.toContain('callwire listening');
  });

  it('--agent ai without keys is a configuration error', async () => {
    const r = await runCli(['serve', '--port', '0', '--agent', 'ai', '--no-store'], NO_KEYS, 30_000);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/CONFIG_MISSING: --agent ai needs DEEPGRAM_API_KEY/);
  });
});
