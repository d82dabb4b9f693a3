/**
 * A short emulated phone call against the server, through the Plivo emulator (so it is
 * judged exactly as Plivo would judge it: contentType, WAV headers, the 40 s buffer,
 * checkpoints, keepCallAlive, status callbacks). The script: wait a moment for a greeting and
 * let it finish, say one phrase, wait for the answer and let it finish, hang up.
 */
import type { Clock } from '../clock.js';
import { isCallwireError } from '../errors.js';
import type { EmulatedCall } from '../emulator/call.js';
import type { CallOptions } from '../emulator/call-options.js';
import { PlivoEmulator } from '../emulator/emulator.js';
import type { CallReport } from '../emulator/report.js';
import { DOCTOR_CALL } from './answer-fetch.js';

/** How the call went; the report is there whether or not the stream connected. */
export interface CallProbeResult {
  readonly report: CallReport;
  /** False when the stream never opened (`error` says why). */
  readonly connected: boolean;
  readonly error: string | undefined;
  /** The server spoke before the caller did. */
  readonly greeted: boolean;
  /** The caller's phrase was sent completely. */
  readonly callerSpoke: boolean;
  /** Things the script had to do differently (a bot that never stopped talking, ...). */
  readonly notes: readonly string[];
}

/** Options of {@link runCallProbe}. */
export interface CallProbeOptions {
  readonly target: Pick<CallOptions, 'answerUrl' | 'answerMethod' | 'streamUrl' | 'format' | 'bidirectional' | 'extraHeaders' | 'statusCallbackUrl'>;
  readonly authToken: string | undefined;
  readonly greetingWaitMs: number;
  readonly answerTimeoutMs: number;
  readonly maxTurnMs: number;
  readonly callerPhrase: string;
  readonly clock: Clock;
}

// Quiet (audio ms) after which a bot turn counts as finished.
const TURN_END_QUIET_MS = 800;

type Step = 'ok' | 'timeout' | 'ended';

async function step(p: Promise<unknown>): Promise<Step> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return isCallwireError(e) && e.code === 'EMULATOR_TIMEOUT' ? 'timeout' : 'ended';
  }
}

async function script(call: EmulatedCall, o: CallProbeOptions, notes: string[]): Promise<{ greeted: boolean; callerSpoke: boolean }> {
  const greeting = await step(call.waitForBotSpeech({ timeoutMs: o.greetingWaitMs }));
  if (greeting === 'ended') return { greeted: false, callerSpoke: false };
  const greeted = greeting === 'ok';
  if (greeted) {
    const quiet = await step(call.waitForBotSilence(TURN_END_QUIET_MS, { timeoutMs: o.maxTurnMs }));
    if (quiet === 'ended') return { greeted, callerSpoke: false };
    if (quiet === 'timeout') notes.push(`the server was still talking after ${Math.round(o.maxTurnMs / 1000)} s; the caller spoke over it`);
  }
  const said = await step(call.say(o.callerPhrase));
  if (said !== 'ok') return { greeted, callerSpoke: false };
  const answer = await step(call.waitForBotSpeech({ timeoutMs: o.answerTimeoutMs }));
  if (answer === 'ok') {
    const quiet = await step(call.waitForBotSilence(TURN_END_QUIET_MS, { timeoutMs: o.maxTurnMs }));
    if (quiet === 'timeout') notes.push(`the answer was still playing after ${Math.round(o.maxTurnMs / 1000)} s; the caller hung up`);
  }
  return { greeted, callerSpoke: true };
}

/** Run the call; never throws. */
export async function runCallProbe(o: CallProbeOptions): Promise<CallProbeResult> {
  const emulator = new PlivoEmulator({ authToken: o.authToken, clock: o.clock });
  const notes: string[] = [];
  const call = emulator.dial({
    ...o.target,
    authToken: o.authToken ?? null,
    from: DOCTOR_CALL.from,
    to: DOCTOR_CALL.to,
    // The doctor reports the first failure; Plivo's two retries would only repeat it slower.
    connectRetries: 0,
    reconnectDropped: false,
    record: true,
    maxDurationMs: o.greetingWaitMs + o.answerTimeoutMs + 2 * o.maxTurnMs + 30_000,
  });
  let connected = true;
  let error: string | undefined;
  let outcome = { greeted: false, callerSpoke: false };
  try {
    await call.ready;
  } catch (e) {
    connected = false;
    error = isCallwireError(e) ? `${e.code}: ${e.message}` : String(e);
  }
  if (connected) {
    try {
      outcome = await script(call, o, notes);
    } catch (e) {
      notes.push(`the call script stopped: ${(e as Error).message}`);
    }
  }
  const report = await call.hangup('the doctor hung up');
  await emulator.close();
  return { report, connected, error, notes, ...outcome };
}
