// A dropped stream that Plivo reconnects for the same call picks up the conversation.
import { afterEach, describe, expect, it } from 'vitest';
import { encodeMulaw } from '../../src/audio/index.js';
import { startCall } from '../../src/emulator/index.js';
import { startRig, type Rig } from '../support/agent-rig.js';
import { eventsOf } from '../support/emulator.js';
import { StreamClient } from '../support/stream-client.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Speech-like bursts for the VAD and the fake recogniser. */
function syllables(ms: number): Uint8Array {
  const n = (ms * 8000) / 1000;
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const env = Math.max(0, Math.sin((Math.PI * (i % 1600)) / 1600));
    pcm[i] = Math.round(env * 9000 * (Math.sin((2 * Math.PI * 180 * i) / 8000) + 0.5 * Math.sin((2 * Math.PI * 360 * i) / 8000)));
  }
  return encodeMulaw(pcm);
}

async function talk(client: StreamClient, audio: Uint8Array, silenceMs: number): Promise<void> {
  const silent = new Uint8Array(160).fill(0xff);
  const frames = audio.length / 160 + silenceMs / 20;
  for (let f = 0; f < frames; f++) {
    client.media(f * 160 < audio.length ? audio.subarray(f * 160, (f + 1) * 160) : silent);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('resume after a dropped stream', () => {
  it('the same call reconnecting within the window continues the conversation, without a second greeting', async () => {
    rig = await startRig({ deepgram: { transcripts: ['my name is Ana', 'what is my name'] }, agent: { greeting: 'Hello.', resumeWindowMs: 10_000 } });
    rig.openai.chat.when(/Ana/, { text: 'Nice to meet you, Ana.' });
    rig.openai.chat.when(/what is my name/, (req) => ({ text: req.messages.some((m) => String(m.content).includes('Ana')) ? 'Your name is Ana.' : 'I do not know.' }));
    const first = await StreamClient.connect(rig.srv.streamUrl, { playout: true });
    first.start();
    await talk(first, syllables(1000), 1500);
    await first.waitFor(() => rig?.sessions[0]?.context.messages.some((m) => m.role === 'assistant' && m.content.includes('Ana')) === true, 15_000, 'first reply');
    // The socket dies without a close handshake (network failure), then Plivo reconnects the same call.
    first.ws.terminate();
    const second = await StreamClient.connect(rig.srv.streamUrl, { playout: true, callId: first.callId });
    const resumed: number[] = [];
    const waitSession = async () => {
      while ((rig?.sessions.length ?? 0) < 2) await new Promise((r) => setTimeout(r, 5));
      return rig?.sessions[1];
    };
    second.start();
    const s2 = await waitSession();
    s2?.on('resumed', (r) => resumed.push(r.turns));
    await talk(second, syllables(1000), 1500);
    await second.waitFor(() => s2?.context.messages.some((m) => m.role === 'assistant' && m.content === 'Your name is Ana.') === true, 15_000, 'answer with context');
    expect(resumed).toEqual([1]);
    // No second greeting: the only greeting audio is from the first stream.
    expect(s2?.context.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['my name is Ana', 'what is my name']);
    await second.close();
  });

  it('through the emulated Plivo: the network drops mid-call, Plivo reconnects the same call, and the conversation goes on with its context', async () => {
    const resumes: number[] = [];
    // Listen from the moment each session exists: the resume happens as soon as providers are open.
    rig = await startRig({ deepgram: { transcripts: ['my name is Ana', 'what is my name'] }, agent: { greeting: 'Hello.', resumeWindowMs: 10_000, onSession: (s) => void s.on('resumed', (r) => resumes.push(r.turns)) } });
    rig.openai.chat.when(/Ana/, { text: 'Nice to meet you, Ana.' });
    rig.openai.chat.when(/what is my name/, (req) => ({ text: req.messages.some((m) => String(m.content).includes('Ana')) ? 'Your name is Ana.' : 'I do not know.' }));
    // The route between Plivo and the app runs through a proxy the test can cut.
    const proxy = await startTcpProxy(rig.srv.port);
    try {
      const call = await startCall({ streamUrl: `ws://127.0.0.1:${proxy.port}/plivo/stream`, reconnectDropped: true });
      await call.waitForBotSpeech({ timeoutMs: 20_000 });
      await call.waitForBotSilence(400, { timeoutMs: 20_000 });
      await call.say('my name is Ana');
      await call.waitForBotSpeech({ timeoutMs: 20_000 });
      await call.waitForBotSilence(600, { timeoutMs: 20_000 });
      proxy.cut();
      while (resumes.length === 0) await new Promise((r) => setTimeout(r, 5));
      expect(resumes).toEqual([1]);
      const s2 = rig.sessions[1];
      await call.say('what is my name');
      await call.waitForBotSpeech({ timeoutMs: 20_000 });
      await call.waitForBotSilence(600, { timeoutMs: 20_000 });
      const report = await call.hangup();
      expect(eventsOf(report.timeline, 'stream_reconnect')).toHaveLength(1);
      expect(report.streams.map((x) => x.endReason)).toEqual(['dropped', 'hangup']);
      expect(report.metrics.responseLatencyMs.length).toBeGreaterThanOrEqual(2);
      // The second stream's session answered from the first stream's context, with no second greeting.
      expect(s2?.context.messages.filter((m) => m.role !== 'system').map((m) => [m.role, m.content])).toEqual([
        ['user', 'my name is Ana'],
        ['assistant', 'Nice to meet you, Ana.'],
        ['user', 'what is my name'],
        ['assistant', 'Your name is Ana.'],
      ]);
    } finally {
      await proxy.close();
    }
  });
});
