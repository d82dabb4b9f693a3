/** What `runDoctor` accepts, and the defaults an experienced user would expect. */
import { DEFAULT_BUDGET } from '../latency-budget.js';
import { type Clock, defaultClock } from '../clock.js';
import type { StreamFormatName } from '../protocol/format.js';

/** Latency budgets (ms) the latency checks compare against. */
export interface DoctorBudget {
  /** Stream start -> first bot audio (a greeting): LLM + TTS + network. */
  readonly firstAudioMs: number;
  /** Caller stops -> bot audio starts, as the caller hears it: STT + LLM + TTS + network + end-of-turn detection. */
  readonly responseMs: number;
  /** checkpoint -> playedStream: how far ahead of playout the server runs, plus the network. */
  readonly checkpointMs: number;
  /** WebSocket ping round trip from the doctor to the server. */
  readonly networkMs: number;
}

// The troubleshooting guide's budget: STT < 200 ms, LLM < 500 ms, TTS < 200 ms, network <
// 100 ms. A caller-side response also includes deciding that the caller has finished (about
// 500 ms of silence for a VAD endpointer), which the guide's table does not list.
const END_OF_TURN_MS = 500;

/** The defaults, derived from the guide's budget. */
export const DEFAULT_DOCTOR_BUDGET: DoctorBudget = Object.freeze({
  firstAudioMs: DEFAULT_BUDGET.llm + DEFAULT_BUDGET.tts + DEFAULT_BUDGET.network,
  responseMs: DEFAULT_BUDGET.stt + DEFAULT_BUDGET.llm + DEFAULT_BUDGET.tts + DEFAULT_BUDGET.network + END_OF_TURN_MS,
  checkpointMs: 1000,
  networkMs: DEFAULT_BUDGET.network,
});

/**
 * How to judge reachability. `auto`: a loopback answer URL (or stream URL) is local
 * development, anything else is production. `development`: every target counts as local.
 * `production`: judge everything as Plivo will see it, even on loopback.
 */
export type DoctorModeOption = 'auto' | 'development' | 'production';

/** Options of {@link runDoctor}. Give an answer URL, a stream URL, or both. */
export interface DoctorOptions {
  /** The app's answer URL: fetched like Plivo does; its Stream XML gives the stream URL. */
  answerUrl?: string;
  /** Method for the answer URL (default POST, Plivo's default). */
  answerMethod?: 'GET' | 'POST';
  /** The WebSocket URL to check; overrides the answer XML's (default: from the answer XML). */
  streamUrl?: string;
  /** Stream format when there is no answer XML (default mulaw/8000). */
  format?: StreamFormatName | string;
  /** Plivo Auth Token: sign requests like Plivo and check the server's signature validation. */
  authToken?: string;
  /** Default auto. */
  mode?: DoctorModeOption;
  /** How long the idle WebSocket must stay open (ms, default 30 s). */
  idleMs?: number;
  /** Timeout of each network step: DNS, connect, TLS, handshake, HTTP, pong (ms, default 5 s). */
  timeoutMs?: number;
  /** How long to wait for a greeting before the caller speaks (ms, default 3 s). */
  greetingWaitMs?: number;
  /** How long the caller waits for an answer after speaking (ms, default 10 s). */
  answerTimeoutMs?: number;
  /** Longest bot turn waited out before the caller speaks anyway (ms, default 30 s). */
  maxTurnMs?: number;
  /** What the caller says (default "Hello, can you hear me?"). */
  callerPhrase?: string;
  /** Place the emulated call (default true); without it the audio and latency groups are skipped. */
  call?: boolean;
  /** Latency budgets (defaults: {@link DEFAULT_DOCTOR_BUDGET}). */
  budget?: Partial<DoctorBudget>;
  /** Warn when the certificate expires within this many days (default 14). */
  expiryWarnDays?: number;
  /** Warn when the server sends audio more than this far ahead of playout (ms, default 3 s). */
  maxLeadMs?: number;
  /** Monotonic clock for timers and durations (default: the process clock). */
  clock?: Clock;
  /** Unix epoch ms "now" for certificate dates (default Date.now). */
  epochNow?: () => number;
  /** Called as each phase starts, with a line saying what the doctor is doing (progress output). */
  onProgress?: (message: string) => void;
}

/** Options after defaults. */
export interface ResolvedDoctorOptions {
  readonly answerUrl: string | undefined;
  readonly answerMethod: 'GET' | 'POST';
  readonly streamUrl: string | undefined;
  readonly format: string;
  readonly authToken: string | undefined;
  readonly mode: DoctorModeOption;
  readonly idleMs: number;
  readonly timeoutMs: number;
  readonly greetingWaitMs: number;
  readonly answerTimeoutMs: number;
  readonly maxTurnMs: number;
  readonly callerPhrase: string;
  readonly call: boolean;
  readonly budget: DoctorBudget;
  readonly expiryWarnDays: number;
  readonly maxLeadMs: number;
  readonly clock: Clock;
  readonly epochNow: () => number;
  /** Reports progress; never throws. */
  readonly progress: (message: string) => void;
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** Apply defaults. Invalid numbers fall back to the default: the doctor never throws on options. */
export function resolveDoctorOptions(o: DoctorOptions): ResolvedDoctorOptions {
  const budget = o.budget ?? {};
  return {
    answerUrl: o.answerUrl?.trim() || undefined,
    answerMethod: o.answerMethod === 'GET' ? 'GET' : 'POST',
    streamUrl: o.streamUrl?.trim() || undefined,
    format: o.format ?? 'mulaw/8000',
    authToken: o.authToken || undefined,
    mode: o.mode === 'development' || o.mode === 'production' ? o.mode : 'auto',
    idleMs: positive(o.idleMs, 30_000),
    timeoutMs: Math.max(1, positive(o.timeoutMs, 5_000)),
    greetingWaitMs: positive(o.greetingWaitMs, 3_000),
    answerTimeoutMs: positive(o.answerTimeoutMs, 10_000),
    maxTurnMs: positive(o.maxTurnMs, 30_000),
    callerPhrase: o.callerPhrase?.trim() || 'Hello, can you hear me?',
    call: o.call !== false,
    budget: {
      firstAudioMs: positive(budget.firstAudioMs, DEFAULT_DOCTOR_BUDGET.firstAudioMs),
      responseMs: positive(budget.responseMs, DEFAULT_DOCTOR_BUDGET.responseMs),
      checkpointMs: positive(budget.checkpointMs, DEFAULT_DOCTOR_BUDGET.checkpointMs),
      networkMs: positive(budget.networkMs, DEFAULT_DOCTOR_BUDGET.networkMs),
    },
    expiryWarnDays: positive(o.expiryWarnDays, 14),
    maxLeadMs: positive(o.maxLeadMs, 3_000),
    clock: o.clock ?? defaultClock,
    epochNow: o.epochNow ?? Date.now,
    progress: (message) => {
      try {
        o.onProgress?.(message);
      } catch {
        // A progress callback's failure must not stop the doctor.
      }
    },
  };
}
