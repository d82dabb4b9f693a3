/**
 * `runDoctor`: check a Plivo stream server from outside, the way Plivo will meet it, and
 * return one result per check (see types.ts). Any server that speaks Plivo's protocol can be
 * checked, not only callwire.
 *
 * Order: the answer URL is probed and fetched (its XML names the stream URL); both URLs are
 * probed from DNS up to TLS; then three things run at once against the stream URL: the idle
 * WebSocket (the longest step: `idleMs`), the signature upgrades, and a short emulated call.
 * Nothing throws: every failure is a result.
 */
import { STREAM_FORMATS, type StreamFormat, streamFormat } from '../protocol/format.js';
import { type StreamXmlInfo, readStreamXml } from '../protocol/read-stream-xml.js';
import { type AnswerFetch, fetchAnswerXml } from './answer-fetch.js';
import { audioChecks } from './audio-checks.js';
import { type CallProbeOptions, type CallProbeResult, runCallProbe } from './call-probe.js';
import { type IdleProbeResult, runIdleProbe } from './idle-probe.js';
import { lateGreeting } from './late-greeting.js';
import { latencyChecks } from './latency-checks.js';
import { type DoctorOptions, type ResolvedDoctorOptions, resolveDoctorOptions } from './options.js';
import { signatureChecks } from './signature-checks.js';
import { type SignatureProbeResult, probeSignatures } from './signature-probe.js';
import { type TargetProbe, probeTarget } from './target.js';
import { tlsChecks } from './tls-checks.js';
import { tunnelCheck } from './tunnel-check.js';
import { CHECK_GROUPS, type CallbackOutcome, type CheckResult, type CheckTarget, type DoctorMode, type DoctorReport, countStatuses, result } from './types.js';
import { urlChecks } from './url-checks.js';
import { websocketChecks } from './websocket-checks.js';
import { type AnswerState, parseErrorText, xmlChecks } from './xml-checks.js';

interface AnswerSide {
  readonly probe: TargetProbe;
  readonly fetch: AnswerFetch;
  readonly info: StreamXmlInfo | undefined;
  readonly parseError: string | undefined;
}

interface StreamSide {
  readonly probe: TargetProbe;
  readonly idle: IdleProbeResult | undefined;
  readonly signatures: SignatureProbeResult | undefined;
  readonly call: CallProbeResult | undefined;
  readonly format: StreamFormat | undefined;
}

async function inspectAnswer(o: ResolvedDoctorOptions, url: string): Promise<AnswerSide> {
  const [probe, fetch] = await Promise.all([
    probeTarget(url, 'answer', o.mode, o.timeoutMs, o.clock),
    fetchAnswerXml({ url, method: o.answerMethod, authToken: o.authToken, timeoutMs: o.timeoutMs, clock: o.clock }),
  ]);
  if (fetch.kind !== 'response' || fetch.status < 200 || fetch.status > 299) return { probe, fetch, info: undefined, parseError: undefined };
  try {
    return { probe, fetch, info: readStreamXml(fetch.body), parseError: undefined };
  } catch (e) {
    return { probe, fetch, info: undefined, parseError: parseErrorText(e) };
  }
}

function formatFor(o: ResolvedDoctorOptions, info: StreamXmlInfo | undefined): StreamFormat | undefined {
  if (info !== undefined) return info.format;
  try {
    return streamFormat(o.format);
  } catch {
    return undefined;
  }
}

function callTarget(o: ResolvedDoctorOptions, info: StreamXmlInfo | undefined, url: string, format: StreamFormat | undefined): CallProbeOptions['target'] | undefined {
  if (!/^wss?:\/\//i.test(url)) return undefined;
  // Through the answer URL like Plivo, unless the stream URL was overridden.
  if (o.answerUrl !== undefined && info !== undefined && o.streamUrl === undefined) return { answerUrl: o.answerUrl, answerMethod: o.answerMethod };
  if (format === undefined) return undefined;
  return {
    streamUrl: url,
    format,
    bidirectional: info?.bidirectional ?? true,
    extraHeaders: info?.extraHeaders,
    statusCallbackUrl: info?.statusCallbackUrl,
  };
}

async function inspectStream(o: ResolvedDoctorOptions, url: string, info: StreamXmlInfo | undefined): Promise<StreamSide> {
  const probe = await probeTarget(url, 'stream', o.mode, o.timeoutMs, o.clock);
  const format = formatFor(o, info);
  if (probe.url === undefined || !/^wss?:$/.test(probe.url.protocol)) return { probe, idle: undefined, signatures: undefined, call: undefined, format };
  const target = callTarget(o, info, url, format);
  const [idle, signatures, call] = await Promise.all([
    runIdleProbe({ url, authToken: o.authToken, format: format ?? STREAM_FORMATS['mulaw/8000'], idleMs: o.idleMs, timeoutMs: o.timeoutMs, clock: o.clock }),
    probeSignatures(url, o.authToken, o.timeoutMs, o.clock),
    target === undefined || !o.call
      ? Promise.resolve(undefined)
      : runCallProbe({
          target,
          authToken: o.authToken,
          greetingWaitMs: o.greetingWaitMs,
          answerTimeoutMs: o.answerTimeoutMs,
          maxTurnMs: o.maxTurnMs,
          callerPhrase: o.callerPhrase,
          clock: o.clock,
        }),
  ]);
  return { probe, idle, signatures, call, format };
}

function modeOf(o: ResolvedDoctorOptions, primary: TargetProbe | undefined): { mode: DoctorMode; reason: string } {
  if (o.mode === 'production') return { mode: 'production', reason: 'judged as Plivo will see it (mode production)' };
  if (o.mode === 'development') return { mode: 'development', reason: 'judged as local development (mode development): wss://, TLS and public reachability are not required' };
  if (primary === undefined || primary.url === undefined) return { mode: 'production', reason: 'no usable URL' };
  const which = primary.target === 'answer' ? 'answer URL' : 'stream URL';
  if (primary.loopback) {
    return { mode: 'development', reason: `the ${which} is on loopback (${primary.host}): local development, which Plivo cannot reach, so ws://, plain http and loopback addresses are accepted there` };
  }
  return { mode: 'production', reason: `the ${which} (${primary.host}) is not loopback: judged as Plivo will see it` };
}

function skippedTarget(target: CheckTarget, why: string): CheckResult[] {
  const t = { target };
  return [
    result('url.scheme', 'skip', why, { url: '' }, t),
    result('url.dns', 'skip', why, { host: '', addresses: [] }, t),
    result('url.public', 'skip', why, { addresses: [] }, t),
    result('url.port', 'skip', why, { port: 0 }, t),
    result('url.tunnel', 'skip', why, { host: '' }, t),
  ];
}

function callbacksOf(call: CallProbeResult | undefined): CallbackOutcome[] | undefined {
  if (call === undefined) return undefined;
  return call.report.timeline.flatMap((e) => (e.type === 'status_callback' ? [{ event: e.event, status: e.status, error: e.error }] : []));
}

function tlsFor(answer: AnswerSide | undefined, stream: StreamSide | undefined, o: ResolvedDoctorOptions): CheckResult[] {
  const ctx = { epochNow: o.epochNow, expiryWarnDays: o.expiryWarnDays };
  const a = answer?.probe;
  const s = stream?.probe;
  const sameOrigin = a !== undefined && s !== undefined && a.secure && s.secure && a.host === s.host && a.port === s.port;
  const out: CheckResult[] = [];
  if (a?.secure && !sameOrigin) out.push(...tlsChecks(a, ctx));
  if (s !== undefined) out.push(...tlsChecks(s, ctx));
  return out;
}

function checksOf(o: ResolvedDoctorOptions, answer: AnswerSide | undefined, stream: StreamSide | undefined): CheckResult[] {
  const out: CheckResult[] = [];
  if (answer !== undefined) out.push(...urlChecks(answer.probe));
  if (stream !== undefined) {
    out.push(...urlChecks(stream.probe));
    out.push(tunnelCheck({ stream: stream.probe, answer: answer?.probe, answerAnswered: answer?.fetch.kind === 'response', handshake: stream.idle?.upgrade }));
  } else if (answer === undefined) {
    out.push(
      result('url.scheme', 'fail', 'no URL given', { url: '' }, { target: 'stream', fix: 'pass --answer-url https://your-host/answer (or --stream-url wss://your-host/stream)' }),
      ...skippedTarget('stream', 'no URL given').slice(1),
    );
  } else out.push(...skippedTarget('stream', 'no stream URL: the answer XML was not usable (see xml.parse)'));
  out.push(...tlsFor(answer, stream, o));
  const signed = o.authToken !== undefined;
  out.push(...websocketChecks(stream?.idle, { signed, idleMs: o.idleMs, timeoutMs: o.timeoutMs, path: stream?.probe.url?.pathname ?? '/', host: stream?.probe.host ?? '' }));
  out.push(
    ...signatureChecks(answer?.fetch, stream?.signatures, {
      authToken: o.authToken,
      answerUrl: o.answerUrl,
      answerMethod: o.answerMethod,
      local: stream?.probe.local ?? answer?.probe.local ?? false,
    }),
  );
  const state: AnswerState = answer === undefined ? { kind: 'none' } : { kind: 'fetched', fetch: answer.fetch, info: answer.info, parseError: answer.parseError };
  out.push(...xmlChecks(state, signed, callbacksOf(stream?.call), answer?.probe.local ?? false));
  const reportFormat = stream?.call?.report.format;
  const format = reportFormat === undefined ? stream?.format : (STREAM_FORMATS[reportFormat as keyof typeof STREAM_FORMATS] ?? stream?.format);
  const noCall = o.call ? 'no call was placed: there is no usable stream URL or format (see url.scheme and xml.content-type)' : 'the emulated call was turned off (--no-call)';
  const late = lateGreeting(stream?.call, stream?.idle?.firstAudioMs);
  out.push(...audioChecks(stream?.call, format, { maxLeadMs: o.maxLeadMs, answerTimeoutMs: o.answerTimeoutMs, noCall, ...(late === undefined ? {} : { late }) }));
  out.push(...latencyChecks(stream?.call, stream?.idle?.pongMs, o.budget, { greeting: late, greetingWaitMs: o.greetingWaitMs }));
  return out;
}

function ordered(checks: readonly CheckResult[]): CheckResult[] {
  const rank = (c: CheckResult): number => CHECK_GROUPS.indexOf(c.group);
  return checks.map((c, i) => [c, i] as const).sort((x, y) => rank(x[0]) - rank(y[0]) || x[1] - y[1]).map(([c]) => c);
}

/** Check a Plivo stream server; never throws. */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const o = resolveDoctorOptions(options);
  const t0 = o.clock.now();
  const startedAt = new Date(o.epochNow()).toISOString();
  let answer: AnswerSide | undefined;
  let stream: StreamSide | undefined;
  let checks: CheckResult[];
  let step = 'answer URL';
  try {
    if (o.answerUrl !== undefined) {
      o.progress(`fetching the answer URL and probing ${o.answerUrl}`);
      answer = await inspectAnswer(o, o.answerUrl);
    }
    step = 'stream URL';
    const streamUrl = o.streamUrl ?? answer?.info?.url;
    if (streamUrl !== undefined && streamUrl !== '') {
      o.progress(`probing ${streamUrl}: an idle stream for ${Math.round(o.idleMs / 1000)} s, signature upgrades and an emulated call, at the same time`);
      stream = await inspectStream(o, streamUrl, answer?.info);
    }
    step = 'checks';
    checks = ordered(checksOf(o, answer, stream));
  } catch (e) {
    checks = [result('doctor.run', 'fail', `the doctor stopped during the ${step} step: ${(e as Error).message}`, { step }, { fix: 'this is a callwire bug: please report it with the command line' })];
  }
  const { mode, reason } = modeOf(o, answer?.probe ?? stream?.probe);
  const counts = countStatuses(checks);
  return {
    ...(o.answerUrl === undefined ? {} : { answerUrl: o.answerUrl }),
    ...(stream === undefined ? {} : { streamUrl: stream.probe.raw.slice(0, 2048) }),
    mode,
    modeReason: reason,
    signed: o.authToken !== undefined,
    startedAt,
    durationMs: Math.round(o.clock.now() - t0),
    checks,
    counts,
    ok: counts.fail === 0,
  };
}
