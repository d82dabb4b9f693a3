/**
 * Sections 3 and 4, with fake providers of fixed delay (real clients over loopback):
 * - turn overhead: caller speech end -> first bot audio heard at the caller, minus the
 *   endpointing delay and the providers' delays; what is left is callwire's own time;
 * - barge-in: the caller starts speaking over the bot -> bot audio stops at the caller's ear.
 * Measured from the caller's side by the emulator.
 */
import type { TurnLedger } from '../src/agent/latency-ledger.js';
import { summarize, type Summary } from '../src/emulator/summary.js';
import { startCall } from '../src/emulator/index.js';
import { ElevenLabsTts } from '../src/providers/elevenlabs/index.js';
import { startFakeElevenLabs } from '../src/testing/fakes/elevenlabs.js';
import { startRig } from '../test/support/agent-rig.js';

/** The fixed delays. */
export const DELAYS = { vadEndpointingMs: 400, sttEndpointingMs: 300, sttLatencyMs: 150, llmTtftMs: 200, ttsTtfbMs: 100 } as const;

/** The agent's barge-in minimum speech duration (set explicitly; the target is this + 100 ms). */
const BARGE_IN_MIN_SPEECH_MS = 200;

/** Turn and barge-in results. */
export interface TurnResult {
  readonly turns: number;
  /** What the caller waited for, by construction of the fakes (configured delays). */
  readonly expectedMs: number;
  readonly responseMs: Summary;
  /**
   * Caller-measured response minus what the providers took: the recogniser's final as it
   * actually arrived (the fake's endpoint lands a little after the configured delay, by its
   * own energy detector), plus the configured LLM and TTS delays. Includes the caller-side
   * playout tick (0-20 ms, as a phone's 20 ms packets would).
   */
  readonly overheadMs: Summary;
  /** callwire's own time inside the turn, from the ledger: the gaps between provider stages and client overhead. */
  readonly ownMs: Summary;
  /** How much later than configured the fake recogniser finalised (not callwire's time). */
  readonly sttOffsetMs: Summary;
  readonly bargeIns: number;
  readonly bargeInMs: Summary;
  /** The barge-in minimum speech duration (the target is this + 100 ms). */
  readonly minSpeechMs: number;
}

const REPLY = 'Sure. We are open every day from nine in the morning until nine in the evening, and on holidays from noon.';

export async function measureTurns(calls: number, turnsPerCall: number, log: (s: string) => void): Promise<TurnResult> {
  const el = await startFakeElevenLabs({ pacing: { ttfbMs: DELAYS.ttsTtfbMs, realTimeFactor: 0.3 } });
  const rig = await startRig({
    deepgram: { latencyMs: DELAYS.sttLatencyMs, transcript: (i) => (i % 2 === 0 ? 'what are your hours' : 'stop please') },
    openai: { ttftMs: DELAYS.llmTtftMs, interTokenMs: 0 },
    agent: {
      greeting: 'Hello.',
      tts: new ElevenLabsTts({ apiKey: el.apiKey, baseUrl: el.baseUrl, env: {} }),
      turn: { minEndpointingMs: DELAYS.vadEndpointingMs },
      bargeIn: { minSpeechMs: BARGE_IN_MIN_SPEECH_MS },
      idle: false,
    },
  });
  const ledgersByCall = new Map<string, TurnLedger[]>();
  rig.srv.server.on('stream', (call) => {
    call.on('start', (info) => ledgersByCall.set(info.callId, []));
  });
  const watch = setInterval(() => {
    for (const session of rig.sessions.splice(0)) {
      session.on('ledger', (l) => {
        const id = session.call.info?.callId;
        if (id !== undefined) ledgersByCall.get(id)?.push(l);
      });
    }
  }, 5);
  rig.openai.chat.otherwise({ text: REPLY });
  const response: number[] = [];
  const bargeIn: number[] = [];
  const overhead: number[] = [];
  const own: number[] = [];
  const sttOffset: number[] = [];
  const endpointing = Math.max(DELAYS.vadEndpointingMs, DELAYS.sttEndpointingMs + DELAYS.sttLatencyMs);
  try {
    await Promise.all(
      Array.from({ length: calls }, async () => {
        const call = await startCall({ answerUrl: rig.answerUrl, record: false });
        await call.waitForBotSpeech({ timeoutMs: 30_000 });
        await call.waitForBotSilence(400, { timeoutMs: 30_000 });
        for (let t = 0; t < turnsPerCall; t++) {
          await call.say('what are your hours');
          await call.waitForBotSpeech({ timeoutMs: 30_000 });
          await call.silence(1200); // the bot is mid-reply
          await call.say('stop please'); // speak over it
          await call.waitForBotSilence(1500, { timeoutMs: 30_000 });
        }
        const report = await call.hangup();
        // Questions and "stop please" alternate: pair each answer to a question with its ledger.
        const answers = report.metrics.responseLatencyMs.filter((_, i) => i % 2 === 0);
        const ledgers = (ledgersByCall.get(call.callId) ?? []).filter((_, i) => i % 2 === 0);
        answers.forEach((ms, i) => {
          response.push(ms);
          const m = ledgers[i]?.marks;
          if (m?.speechEnd === undefined || m.sttFinal === undefined) return;
          const stt = m.sttFinal - m.speechEnd;
          sttOffset.push(stt - (DELAYS.sttEndpointingMs + DELAYS.sttLatencyMs));
          overhead.push(ms - Math.max(stt, DELAYS.vadEndpointingMs) - DELAYS.llmTtftMs - DELAYS.ttsTtfbMs);
          if (m.endOfTurn !== undefined && m.llmRequest !== undefined && m.llmFirstToken !== undefined && m.ttsRequest !== undefined && m.ttsFirstByte !== undefined && m.firstAudioSent !== undefined) {
            own.push(m.llmRequest - m.endOfTurn + (m.llmFirstToken - m.llmRequest - DELAYS.llmTtftMs) + (m.ttsRequest - m.llmFirstToken) + (m.ttsFirstByte - m.ttsRequest - DELAYS.ttsTtfbMs) + (m.firstAudioSent - m.ttsFirstByte));
          }
        });
        bargeIn.push(...report.metrics.bargeInLatencyMs);
      }),
    );
  } finally {
    clearInterval(watch);
    await rig.close();
    await el.close();
  }
  // The turn ends when both the VAD's silence and the recogniser's final are in: the later of the two.
  const expectedMs = endpointing + DELAYS.llmTtftMs + DELAYS.ttsTtfbMs;
  const result: TurnResult = {
    turns: response.length,
    expectedMs,
    responseMs: summarize(response),
    overheadMs: summarize(overhead),
    ownMs: summarize(own),
    sttOffsetMs: summarize(sttOffset),
    bargeIns: bargeIn.length,
    bargeInMs: summarize(bargeIn),
    minSpeechMs: BARGE_IN_MIN_SPEECH_MS,
  };
  log(`  turns ${result.turns}: response p50 ${result.responseMs.p50} ms (configured ${expectedMs}), overhead p95 ${result.overheadMs.p95} ms (callwire's own p95 ${result.ownMs.p95.toFixed(1)} ms, recogniser offset p50 ${result.sttOffsetMs.p50.toFixed(1)} ms); barge-ins ${result.bargeIns}: p50 ${result.bargeInMs.p50} p95 ${result.bargeInMs.p95} ms`);
  return result;
}
