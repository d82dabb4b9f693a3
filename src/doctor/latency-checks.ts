/**
 * The latency group, against the guide's budget (options.ts derives the defaults): time to
 * the first bot audio, the answer to the caller, checkpoint round trips and the network round
 * trip. Over budget warns; over three times the budget fails for the two the caller waits on
 * (first audio and the answer), since callers talk over or hang up on a bot that slow.
 */
import type { CallEvent } from '../emulator/events.js';
import type { CallProbeResult } from './call-probe.js';
import { type LateGreeting, describeLateGreeting } from './late-greeting.js';
import type { DoctorBudget } from './options.js';
import { type CheckStatus, type CheckResult, result } from './types.js';

const FAIL_FACTOR = 3;

function judge(ms: number, budgetMs: number, canFail: boolean): CheckStatus {
  if (ms <= budgetMs) return 'ok';
  return canFail && ms > FAIL_FACTOR * budgetMs ? 'fail' : 'warn';
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function versus(ms: number, budgetMs: number): string {
  return `${Math.round(ms)} ms (budget ${budgetMs} ms)`;
}

const FIRST_AUDIO_FIX = 'pre-generate fixed phrases such as the greeting (callwire caches them) and stream TTS audio as it is produced (the guide: "Stream audio", "pre-generate common responses")';

/**
 * The latency.* checks. `pongMs`: the WebSocket ping round trip, when measured. `late`: a
 * greeting that came after the doctor's wait (`greetingWaitMs`), judged like any first audio.
 */
export function latencyChecks(call: CallProbeResult | undefined, pongMs: number | undefined, budget: DoctorBudget, late?: { greeting: LateGreeting | undefined; greetingWaitMs: number }): CheckResult[] {
  const out: CheckResult[] = [];
  const connected = call?.connected === true;
  const timeline: readonly CallEvent[] = connected ? (call as CallProbeResult).report.timeline : [];
  const start = timeline.find((e) => e.type === 'start_sent');
  const first = timeline.find((e) => e.type === 'bot_audio' && e.phase === 'start');
  const firstData = { budgetMs: budget.firstAudioMs };
  if (!connected) out.push(result('latency.first-audio', 'skip', 'no call (see audio.first)', firstData));
  else if (late?.greeting !== undefined) {
    const ms = late.greeting.afterStartMs;
    // Over the caller's words it is at least a warning, whatever the budget.
    const status = judge(ms, budget.firstAudioMs, true);
    out.push(
      result('latency.first-audio', status === 'ok' && late.greeting.overCallerMs !== undefined ? 'warn' : status, `first bot audio ${versus(ms, budget.firstAudioMs)} after start: ${describeLateGreeting(late.greeting, late.greetingWaitMs)}`, { ...firstData, ms }, {
        fix: `greet at once: Plivo's caller hears silence until then and starts talking after a second or two; ${FIRST_AUDIO_FIX}`,
      }),
    );
  } else if (!call?.greeted || first === undefined || start === undefined) out.push(result('latency.first-audio', 'skip', 'the server does not speak first (see latency.response)', firstData));
  else {
    const ms = first.t - start.t;
    out.push(
      result('latency.first-audio', judge(ms, budget.firstAudioMs, true), `first bot audio ${versus(ms, budget.firstAudioMs)} after start`, { ...firstData, ms }, { fix: FIRST_AUDIO_FIX }),
    );
  }
  const response = timeline.find((e): e is Extract<CallEvent, { type: 'response_latency' }> => e.type === 'response_latency');
  const responseData = { budgetMs: budget.responseMs };
  if (response === undefined) out.push(result('latency.response', 'skip', connected ? 'no answer started after the caller finished speaking (see audio.response)' : 'no call (see audio.first)', responseData));
  else {
    out.push(
      result('latency.response', judge(response.ms, budget.responseMs, true), `the caller waited ${versus(response.ms, budget.responseMs)} from the end of their phrase to the answer`, { ...responseData, ms: response.ms }, {
        fix: 'stream every stage: streaming STT near your callers, a fast streaming LLM, streaming TTS (the guide: STT < 200 ms, LLM < 500 ms, TTS < 200 ms, network < 100 ms); shorten end-of-turn detection if it dominates',
      }),
    );
  }
  const rtts = connected ? (call as CallProbeResult).report.metrics.checkpointRttMs : [];
  const cpData = { count: rtts.length, budgetMs: budget.checkpointMs };
  if (rtts.length === 0) {
    out.push(result('latency.checkpoint', 'skip', connected ? 'the server sent no checkpoints, so it cannot know what the caller has heard' : 'no call (see audio.first)', cpData));
  } else {
    const med = median(rtts);
    const max = Math.max(...rtts);
    out.push(
      result('latency.checkpoint', judge(med, budget.checkpointMs, false), `${rtts.length} checkpoint${rtts.length === 1 ? '' : 's'}: median round trip ${versus(med, budget.checkpointMs)}, max ${Math.round(max)} ms`, { ...cpData, medianMs: med, maxMs: max }, {
        fix: 'keep less audio queued ahead of playout (a lead of a few hundred ms): a checkpoint is answered only after the audio before it has played',
      }),
    );
  }
  const netData = { budgetMs: budget.networkMs };
  if (pongMs === undefined) out.push(result('latency.network', 'skip', 'no ping round trip was measured (see websocket.ping)', netData));
  else {
    out.push(
      result('latency.network', judge(pongMs, budget.networkMs, false), `WebSocket ping round trip from here ${versus(pongMs, budget.networkMs)}`, { ...netData, ms: pongMs }, {
        fix: 'deploy the server close to your callers and Plivo\'s media region (the guide: "Deploy regionally", network < 100 ms); this is measured from where the doctor runs',
      }),
    );
  }
  return out;
}
