// Latency measured from the caller's side against a parrot app whose behaviour is known:
// response latency, barge-in (with and without clearAudio), gaps, checkpoint round trips
// and the pacing lead. Assertions are lower bounds and timeline consistency, never speed.
import { describe, expect, it } from 'vitest';
import { tone } from '../../src/audio/index.js';
import { type EmulatedCall, PlivoEmulator } from '../../src/emulator/index.js';
import { codeOf, eventsOf, useCleanup } from '../support/emulator.js';
import { startFakeApp } from '../support/fake-app.js';
import { type ParrotOptions, parrot } from '../support/parrot.js';

const open = useCleanup();
// A loud "utterance" for the caller: 600 ms of tone.
const UTTERANCE = tone([350, 440], 600, 8000, { amplitude: 0.5 });

async function setup(options: ParrotOptions = {}) {
  let state: ReturnType<typeof parrot> | undefined;
  const app = open(await startFakeApp({ onStream: (s) => void (state = parrot(s, options)) }));
  const emu = open(new PlivoEmulator());
  const call = await emu.startCall({ answerUrl: app.answerUrl });
  return { call, app, parrot: () => state! };
}

/** One turn: the caller plays a tone, then waits until the bot has spoken and gone quiet. */
async function oneTurn(call: EmulatedCall, toneMs: number, quietMs: number) {
  await call.play(tone(440, toneMs, 8000, { amplitude: 0.5 }), 8000, 'hi');
  await call.waitForBotSpeech({ timeoutMs: 20_000 });
  await call.waitForBotSilence(quietMs);
  return call.hangup();
}

describe('caller-side metrics (parrot app)', () => {
  it('response latency = caller speech end -> first loud bot sample, at least the app\'s own pause', async () => {
    const { call } = await setup({ replyAfterSilenceMs: 300 });
    await call.play(UTTERANCE, 8000, 'hello');
    const heardAt = await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(200);
    const report = await call.hangup();
    const [latency] = report.metrics.responseLatencyMs;
    expect(latency).toBeGreaterThanOrEqual(300);
    const end = eventsOf(report.timeline, 'caller_speech').find((e) => e.phase === 'end')!;
    const start = eventsOf(report.timeline, 'bot_audio').find((e) => e.phase === 'start')!;
    expect(start.t).toBeCloseTo(heardAt, 5);
    expect(latency).toBeCloseTo(start.t - end.t, 0);
    expect(eventsOf(report.timeline, 'response_latency')[0]!.ms).toBe(latency);
  });

  it('barge-in with an app that clears: playout stops soon after the caller speaks over the bot', async () => {
    const { call, parrot: p } = await setup({ replyAfterSilenceMs: 200, clearOnSpeech: true });
    await call.play(tone(440, 2000, 8000, { amplitude: 0.5 }), 8000, 'long');
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.silence(300);
    await call.play(UTTERANCE, 8000, 'stop');
    await call.waitForBotSilence(300);
    const report = await call.hangup();
    expect(p().clears).toBeGreaterThanOrEqual(1);
    const [barge] = eventsOf(report.timeline, 'barge_in');
    expect(barge).toMatchObject({ cleared: true });
    // The 2 s reply had about 1.7 s left when the caller spoke; clearing cut it short.
    expect(barge!.ms).toBeLessThan(1500);
    expect(eventsOf(report.timeline, 'bot_audio').some((e) => e.phase === 'stop' && e.reason === 'cleared')).toBe(true);
    expect(eventsOf(report.timeline, 'clear_audio').length).toBeGreaterThanOrEqual(1);
  });

  it('barge-in with an app that does not clear: the caller hears the rest of the reply', async () => {
    const { call } = await setup({ replyAfterSilenceMs: 200 });
    await call.play(tone(440, 1500, 8000, { amplitude: 0.5 }), 8000, 'long');
    const started = await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.play(UTTERANCE, 8000, 'stop');
    await call.waitForBotSilence(300);
    const report = await call.hangup();
    const [barge] = eventsOf(report.timeline, 'barge_in');
    expect(barge).toMatchObject({ cleared: false });
    // Playout stopped only when the 1.5 s reply ran out.
    expect(barge!.t - started).toBeGreaterThanOrEqual(1480);
  });

  it('finds a gap when a paced reply stalls mid-turn, and measures the pacing lead', async () => {
    const { call } = await setup({ replyAfterSilenceMs: 200, paced: true, holeMs: 400 });
    const report = await oneTurn(call, 1000, 600);
    expect(report.metrics.gapsMs.length).toBe(1);
    expect(report.metrics.gapsMs[0]).toBeGreaterThanOrEqual(200);
    expect(eventsOf(report.timeline, 'gap').length).toBe(1);
    // Paced at real time the lead stays within a few frames.
    expect(Math.max(...report.metrics.leadMs)).toBeLessThan(200);
  });

  it('checkpoint round trip and lead when the whole reply is sent at once', async () => {
    const { call } = await setup({ replyAfterSilenceMs: 200 });
    const report = await oneTurn(call, 1000, 300);
    expect(report.metrics.checkpointRttMs.length).toBe(1);
    expect(report.metrics.checkpointRttMs[0]).toBeGreaterThanOrEqual(980);
    expect(report.metrics.leadMs[0]).toBeGreaterThanOrEqual(990);
    expect(report.metrics.gapsMs).toEqual([]);
  });

  it('wait helpers time out with EMULATOR_TIMEOUT', async () => {
    const { call } = await setup();
    expect(await codeOf(call.waitForBotSpeech({ timeoutMs: 100 }))).toBe('EMULATOR_TIMEOUT');
    expect(await call.waitForBotSilence(50)).toBeGreaterThan(0);
    await call.hangup();
  });
});
