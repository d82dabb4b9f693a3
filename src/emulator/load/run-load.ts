/**
 * The load generator: N calls, at most C at once, each talking for S seconds (speak an
 * utterance, wait for the bot's answer, repeat), with the first C starts spread over the
 * ramp. All calls share one emulator and one 20 ms ticker (spread over its phases); recording
 * is off and the utterance is synthesized and framed once, so the generator stays cheap next
 * to the server.
 */
import { ConfigError, preview } from '../../errors.js';
import { synthesizeSpeech } from '../../providers/flite/synthesize.js';
import type { EmulatedCall } from '../call.js';
import type { CallOptions } from '../call-options.js';
import { PlivoEmulator } from '../emulator.js';
import { type Impairments, checkImpairments } from '../impairments.js';
import { type PreparedAudio, prepareAudio } from '../prepared-audio.js';
import type { CallReport } from '../report.js';
import { takeTurn } from '../turns.js';
import { HealthSampler, isLocalUrl } from './health-sampler.js';
import { type LoadReport, aggregate, failureOf } from './load-report.js';

/** What the caller says on every turn unless told otherwise. */
export const DEFAULT_UTTERANCE = 'Hello, I would like to book a table for two people tonight.';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** The app's answer URL, or (with `format`) its stream URL. */
  readonly answerUrl?: string;
  readonly streamUrl?: string;
  readonly format?: string;
  readonly calls: number;
  readonly concurrency: number;
  /** Seconds each call lasts. */
  readonly durationS: number;
  /** Seconds over which the first `concurrency` calls start (default 0: together). */
  readonly rampS?: number;
  readonly authToken?: string;
  readonly authId?: string;
  readonly speed?: number;
  /** What the caller says (flite), or audio to play instead. */
  readonly say?: string;
  readonly audio?: { readonly samples: Int16Array; readonly sampleRate: number };
  /** `/healthz` to sample; default: derived from the target when it is local; null: off. */
  readonly healthUrl?: string | null;
  /** Network impairments on every caller's frames; each call gets its own seed (`seed` + call number). */
  readonly impairments?: Impairments;
  /** Phases of the 20 ms frame clock the calls are spread over (default `DEFAULT_TICK_PHASES`; 1: lock-step). */
  readonly tickPhases?: number;
  /** How long a caller waits for the bot to answer a turn (real ms, default 5000). */
  readonly replyTimeoutMs?: number;
  readonly onProgress?: (progress: LoadProgress) => void;
  readonly progressIntervalMs?: number;
}

/** Progress while running. */
export interface LoadProgress {
  readonly total: number;
  readonly started: number;
  readonly finished: number;
  readonly ok: number;
  readonly failed: number;
  readonly active: number;
  readonly elapsedMs: number;
}

/** Parse `raw` as a URL with one of `protocols`, or say which option is wrong. */
function checkUrl(raw: unknown, what: string, protocols: readonly string[]): void {
  let u: URL | undefined;
  try {
    u = typeof raw === 'string' ? new URL(raw) : undefined;
  } catch {
    // Reported below with the option's name; a TypeError from URL names neither.
  }
  if (u === undefined || !protocols.includes(u.protocol)) {
    const shown = typeof raw === 'string' ? `"${preview(raw)}"` : typeof raw;
    throw new ConfigError('CONFIG_INVALID', `${what} must be a ${protocols.map((p) => p.slice(0, -1)).join('/')} URL (got ${shown})`);
  }
}

function check(o: LoadOptions): void {
  const bad = (m: string): never => {
    throw new ConfigError('CONFIG_INVALID', m);
  };
  if (!Number.isInteger(o.calls) || o.calls < 1 || o.calls > 100_000) bad('--calls must be a whole number from 1 to 100000');
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 10_000) bad('--concurrency must be a whole number from 1 to 10000');
  if (!(o.durationS > 0 && o.durationS <= 86_400)) bad('--duration must be a positive number of seconds');
  if (o.rampS !== undefined && !(o.rampS >= 0 && o.rampS <= 3600)) bad('--ramp must be 0-3600 seconds');
  if ((o.answerUrl === undefined) === (o.streamUrl === undefined)) bad('give an answer URL or a stream URL');
  // Checked here, before any call: a bad URL would otherwise throw a bare TypeError from
  // the health URL derivation (or fail every call the same way).
  if (o.answerUrl !== undefined) checkUrl(o.answerUrl, 'the answer URL', ['http:', 'https:']);
  if (o.streamUrl !== undefined) checkUrl(o.streamUrl, 'the stream URL', ['ws:', 'wss:']);
  if (typeof o.healthUrl === 'string') checkUrl(o.healthUrl, '--health-url', ['http:', 'https:']);
  if (o.impairments !== undefined) checkImpairments(o.impairments);
}

function healthUrlFor(o: LoadOptions): string | undefined {
  if (o.healthUrl === null) return undefined;
  if (o.healthUrl !== undefined) return o.healthUrl;
  const target = (o.answerUrl ?? o.streamUrl) as string;
  if (!isLocalUrl(target)) return undefined;
  const u = new URL(target);
  return `${u.protocol.replace('ws', 'http')}//${u.host}/healthz`;
}

/**
 * Run a load test; resolves with the aggregated report.
 *
 * @throws {ConfigError} `CONFIG_INVALID` for an option out of range or a URL that does not
 * parse (or has the wrong scheme: http/https answer and health URLs, ws/wss stream URL),
 * before any call is made.
 */
export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  check(o);
  const speech = o.audio ?? (await synthesizeSpeech(o.say ?? DEFAULT_UTTERANCE, { sampleRate: 16000 }));
  const prepared = new Map<number, PreparedAudio>();
  const utterance = (call: EmulatedCall): PreparedAudio => {
    const rate = call.format?.sampleRate ?? 8000;
    let p = prepared.get(rate);
    if (p === undefined) {
      p = prepareAudio(speech.samples, speech.sampleRate, rate);
      prepared.set(rate, p);
    }
    return p;
  };
  const emulator = new PlivoEmulator({ authToken: o.authToken, authId: o.authId, tickPhases: o.tickPhases });
  const base: CallOptions = {
    ...(o.answerUrl !== undefined ? { answerUrl: o.answerUrl } : { streamUrl: o.streamUrl, format: o.format }),
    speed: o.speed ?? 1,
    record: false,
    maxDurationMs: o.durationS * 1000 + 60_000,
  };
  const healthUrl = healthUrlFor(o);
  const sampler = healthUrl === undefined ? undefined : new HealthSampler(healthUrl);
  sampler?.start();

  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let rssMax = process.memoryUsage().rss;
  const reports: CallReport[] = [];
  let next = 0;
  let active = 0;
  let peak = 0;
  let ok = 0;
  const progress = (): LoadProgress => ({
    total: o.calls,
    started: next,
    finished: reports.length,
    ok,
    failed: reports.length - ok,
    active,
    elapsedMs: performance.now() - started,
  });
  const ticker = setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
    o.onProgress?.(progress());
  }, o.progressIntervalMs ?? 250);

  const runOne = async (index: number): Promise<void> => {
    const imp = o.impairments;
    // One seed per call: the same seed everywhere would lose the same frames on every call.
    const call = emulator.dial(imp === undefined ? base : { ...base, impairments: { ...imp, seed: (imp.seed ?? 1) + index } });
    active++;
    peak = Math.max(peak, active);
    const end = setTimeout(() => void call.hangup('the load test call reached its duration'), o.durationS * 1000);
    try {
      await call.ready;
      const turn = { replyTimeoutMs: o.replyTimeoutMs ?? 5000, quietMs: 600 };
      while (!call.isEnded) {
        await takeTurn(call, () => call.playPrepared(utterance(call), 'utterance'), turn);
        await call.silence(300);
      }
    } catch {
      // The call ended (duration reached, or the app/server ended it): the report says which.
    }
    const report = await call.finished;
    clearTimeout(end);
    active--;
    if (failureOf(report) === undefined) ok++;
    reports.push(report);
  };

  const workers = Math.min(o.concurrency, o.calls);
  const stagger = ((o.rampS ?? 0) * 1000) / workers;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      if (w > 0 && stagger > 0) await new Promise((r) => setTimeout(r, w * stagger));
      while (next < o.calls) {
        next++;
        await runOne(next);
      }
    }),
  );
  clearInterval(ticker);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const tickerStats = emulator.tickerStats(o.speed ?? 1);
  await emulator.close();
  const server = await sampler?.stop();
  const serverNote =
    o.healthUrl === null ? '--no-health'
    : healthUrl === undefined ? 'the target is not on this machine; give --health-url'
    : `${healthUrl} gave no sample: ${sampler?.lastError ?? 'no answer'}`;
  o.onProgress?.(progress());
  return aggregate({
    target: o.answerUrl ?? (o.streamUrl as string),
    reports,
    wallMs,
    peakConcurrency: peak,
    server,
    serverNote,
    generator: { cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, rssBytesMax: rssMax, ticker: tickerStats },
  });
}
