// The built-in agent, end to end: emulator -> server -> agent (flite, WebRTC VAD) -> emulator.
import { afterEach, describe, expect, it } from 'vitest';
import { builtinAgent } from '../../src/agent/builtin.js';
import type { TurnLedger } from '../../src/agent/latency-ledger.js';
import type { AgentSession } from '../../src/agent/session.js';
import { tone } from '../../src/audio/index.js';
import { scaledClock } from '../../src/clock.js';
import { startCall } from '../../src/emulator/index.js';
import { Pacer } from '../../src/stream/pacer.js';
import { type TestServer, startServer } from '../support/server.js';
import { waitUntil } from '../support/async.js';
import { eventsOf } from '../support/emulator.js';
import { watchEscapes } from '../support/no-escape.js';

const escapes = watchEscapes();
let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

async function serve(speed: number, greeting?: string) {
  const sessions: AgentSession[] = [];
  const clock = scaledClock(speed);
  srv = await startServer({ agent: builtinAgent({ greeting, onSession: (s) => void sessions.push(s) }), clock, pacer: new Pacer(clock, 10) });
  return { sessions, answerUrl: `${srv.http}/plivo/answer` };
}

/** Energy of `f` Hz in a PCM window (Goertzel), normalised by total energy. */
function toneShare(pcm: Int16Array, f: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * f) / rate);
  let s1 = 0;
  let s2 = 0;
  let total = 0;
  for (let i = 0; i < pcm.length; i++) {
    const x = pcm[i] as number;
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
    total += x * x;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return total === 0 ? 0 : (2 * power) / (pcm.length * total);
}

describe('the built-in agent', () => {
  it('greets, echoes what the caller said, and says how long they spoke', async () => {
    const speed = 4;
    const { sessions, answerUrl } = await serve(speed);
    const call = await startCall({ answerUrl, speed });
    await call.waitForBotSpeech({ timeoutMs: 30_000 });
    await call.waitForBotSilence(600, { timeoutMs: 60_000 }); // the greeting (menu) has played
    const turns: number[] = [];
    sessions[0]?.on('user_turn', (e) => turns.push(e.turn.durationMs));
    await call.say('hello there how are you today');
    await call.waitForBotSpeech({ timeoutMs: 30_000 });
    await call.waitForBotSilence(800, { timeoutMs: 60_000 });
    const report = await call.hangup();
    expect(report.ok).toBe(true);
    expect(turns).toHaveLength(1);
    // The caller's words came back: the bot's audio after the turn is about as long as the
    // caller's speech plus the "You spoke for ..." sentence.
    const speechMs = report.metrics.callerSpeechMs;
    expect(turns[0]).toBeGreaterThan(speechMs * 0.7);
    expect(turns[0]).toBeLessThan(speechMs * 1.3);
    expect(report.metrics.responseLatencyMs).toHaveLength(1);
    const rec = report.recording;
    expect(rec).toBeDefined();
    // The heard audio includes the echo: it correlates with the caller's own audio.
    const botAudio = report.metrics.botAudioMs;
    expect(botAudio).toBeGreaterThan(speechMs + 1000);
  });

  it('answers the DTMF menu: 3 plays a 1 kHz tone, 2 reads the latency ledger, # hangs up', async () => {
    const speed = 4;
    const { sessions, answerUrl } = await serve(speed, 'Menu.');
    const call = await startCall({ answerUrl, speed });
    await call.waitForBotSpeech({ timeoutMs: 30_000 });
    await call.waitForBotSilence(400, { timeoutMs: 30_000 });
    const digits: string[] = [];
    sessions[0]?.on('dtmf', (d) => digits.push(d.digit));
    // A key press cuts off what is playing (a menu answers the latest key), so each reply is
    // let play out (the session back to listening, nothing queued) before the next key: a
    // pause in the audio under load is not the end of the reply.
    const playedOut = () => waitUntil(() => sessions[0]?.state === 'listening' && sessions[0]?.call.player.busy === false, 60_000, 'the reply to play out');
    call.pressDigit('3');
    await call.waitForBotSpeech({ timeoutMs: 30_000 });
    await playedOut();
    await call.waitForBotSilence(700, { timeoutMs: 60_000 });
    call.pressDigit('2');
    await call.waitForBotSpeech({ timeoutMs: 30_000 });
    await playedOut();
    await call.waitForBotSilence(700, { timeoutMs: 60_000 });
    call.pressDigit('#');
    const report = await call.finished;
    expect(digits).toEqual(['3', '2', '#']);
    expect(report.hangup.by).not.toBe('caller');
    const heard = report.recording?.heard as Int16Array;
    const rate = 8000;
    // Find a 1 s window dominated by 1 kHz.
    let best = 0;
    for (let i = 0; i + rate <= heard.length; i += rate / 4) best = Math.max(best, toneShare(heard.subarray(i, i + rate), 1000, rate));
    expect(best).toBeGreaterThan(0.8);
    const reference = toneShare(tone(1000, 1000, 8000), 1000, 8000);
    expect(reference).toBeGreaterThan(0.9);
    expect(eventsOf(report.timeline, 'dtmf_sent').map((e) => e.digit)).toEqual(['3', '2', '#']);
  });

  it('its latency ledger agrees within 20 ms with the response latency the emulator measured at the caller', async () => {
    const { sessions, answerUrl } = await serve(1, 'Hi.');
    const call = await startCall({ answerUrl });
    await call.waitForBotSpeech({ timeoutMs: 30_000 });
    await call.waitForBotSilence(300, { timeoutMs: 30_000 });
    const ledgers: TurnLedger[] = [];
    sessions[0]?.on('ledger', (l) => ledgers.push(l));
    await call.say('testing one two three');
    await call.waitForBotSpeech({ timeoutMs: 30_000 });
    await call.waitForBotSilence(500, { timeoutMs: 30_000 });
    const report = await call.hangup();
    expect(ledgers).toHaveLength(1);
    const server = ledgers[0]?.stages.total as number;
    const caller = report.metrics.responseLatencyMs[0] as number;
    expect(server).toBeGreaterThan(300);
    expect(Math.abs(server - caller)).toBeLessThanOrEqual(20);
  });

  // Issue 15 item 1: a keypad burst must never take the server down, nor pile up replies.
  it('60 digits 50 ms apart: nothing escapes, the menu answers the latest key, and # hangs up at once', async () => {
    const speed = 4;
    const { sessions, answerUrl } = await serve(speed, 'Menu.');
    const call = await startCall({ answerUrl, speed });
    await call.waitForBotSpeech({ timeoutMs: 30_000 });
    const press = (digit: string): number => {
      call.pressDigit(digit);
      return eventsOf(call.timeline, 'dtmf_sent').at(-1)?.t as number;
    };
    let maxQueuedMs = 0;
    let burstEnd = 0;
    for (let i = 0; i < 60; i++) {
      burstEnd = press(String(4 + (i % 6)));
      await call.waitUntil(burstEnd + 50);
      maxQueuedMs = Math.max(maxQueuedMs, sessions[0]?.call.player.queuedMs ?? 0);
    }
    // On the old code the replies passed the Player's 120 s bound: STREAM_QUEUE_FULL escaped.
    escapes.assertNone();
    // A phone menu answers the latest key: what waits unsent stays about one reply long.
    expect(maxQueuedMs).toBeLessThan(15_000);
    await call.waitForBotSilence(800, { timeoutMs: 60_000 });
    // # interrupts whatever is playing (the tone here): cleared, then the call ends.
    press('3');
    const speaking = await call.waitForBotSpeech({ timeoutMs: 30_000 });
    await call.waitUntil(speaking + 1500);
    const session = sessions[0] as AgentSession;
    let framesAtHangup = Number.NaN;
    session.on('hangup', () => void (framesAtHangup = session.call.counters.framesOut));
    const pound = press('#');
    const report = await call.finished;
    expect(report.hangup.by).not.toBe('caller');
    // After the hang-up line only "Goodbye." plays (under a second: 50 frames), not the rest
    // of the tone and its sentence (over 4 s) as on the old code. Counted in frames, not time.
    expect(session.call.counters.framesOut - framesAtHangup).toBeLessThan(60);
    expect(eventsOf(report.timeline, 'clear_audio').some((e) => e.t >= pound)).toBe(true);
    escapes.assertNone();
  });
});
