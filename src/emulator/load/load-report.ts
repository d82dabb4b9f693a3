/** What `callwire load` reports, how it is assembled from call reports, and its text form. */
import type { CallReport } from '../report.js';
import { type Summary, summarize } from '../summary.js';
import type { TickerStats } from '../ticker.js';
import type { ServerUsage } from './health-sampler.js';

/** The load generator's own cost, to show it was not the bottleneck. */
export interface GeneratorUsage {
  readonly cpuPercent: number;
  readonly rssBytesMax: number;
  /** How punctually the 20 ms schedule ran. */
  readonly ticker: TickerStats | undefined;
}

/** The result of a load run. */
export interface LoadReport {
  readonly target: string;
  readonly calls: { readonly total: number; readonly ok: number; readonly failed: number };
  /** Why calls failed: protocol error code, or how the call ended. */
  readonly failures: Readonly<Record<string, number>>;
  readonly protocolErrors: Readonly<Record<string, number>>;
  readonly wallMs: number;
  readonly peakConcurrency: number;
  readonly responseLatencyMs: Summary;
  readonly bargeInLatencyMs: Summary;
  /** Gaps in bot audio: count, per minute of calls, and their lengths. */
  readonly gaps: { readonly count: number; readonly perCallMinute: number; readonly ms: Summary };
  /** Audio received minus audio time elapsed, at each playAudio. */
  readonly leadMs: Summary;
  /** How far each playAudio moved the lead (see CallMetrics): how unsteady the pacing is. */
  readonly pacingJitterMs: Summary;
  readonly checkpointRttMs: Summary;
  readonly server: ServerUsage | undefined;
  /** Why `server` is missing: sampling was off, the target is not local, or /healthz failed. */
  readonly serverNote?: string;
  readonly generator: GeneratorUsage;
}

/** Why a call counts as failed, or undefined when it is ok. */
export function failureOf(report: CallReport): string | undefined {
  if (report.protocolErrors.length > 0) return (report.protocolErrors[0] as { code: string }).code;
  if (!report.ok) return `not connected (${report.hangup.reason.slice(0, 60)})`;
  if (report.hangup.by !== 'caller') return `ended by ${report.hangup.by}`;
  return undefined;
}

/** Fold call reports into a load report. */
export function aggregate(parts: {
  target: string;
  reports: readonly CallReport[];
  wallMs: number;
  peakConcurrency: number;
  server: ServerUsage | undefined;
  serverNote?: string;
  generator: GeneratorUsage;
}): LoadReport {
  const failures: Record<string, number> = {};
  const protocolErrors: Record<string, number> = {};
  const response: number[] = [];
  const bargeIn: number[] = [];
  const gaps: number[] = [];
  const lead: number[] = [];
  const jitter: number[] = [];
  const rtt: number[] = [];
  let callMs = 0;
  let ok = 0;
  for (const r of parts.reports) {
    const why = failureOf(r);
    if (why === undefined) ok++;
    else failures[why] = (failures[why] ?? 0) + 1;
    for (const e of r.protocolErrors) protocolErrors[e.code] = (protocolErrors[e.code] ?? 0) + 1;
    const m = r.metrics;
    response.push(...m.responseLatencyMs);
    bargeIn.push(...m.bargeInLatencyMs);
    gaps.push(...m.gapsMs);
    lead.push(...m.leadMs);
    rtt.push(...m.checkpointRttMs);
    jitter.push(...m.jitterMs);
    callMs += r.durationMs;
  }
  return {
    target: parts.target,
    calls: { total: parts.reports.length, ok, failed: parts.reports.length - ok },
    failures,
    protocolErrors,
    wallMs: parts.wallMs,
    peakConcurrency: parts.peakConcurrency,
    responseLatencyMs: summarize(response),
    bargeInLatencyMs: summarize(bargeIn),
    gaps: { count: gaps.length, perCallMinute: callMs > 0 ? gaps.length / (callMs / 60_000) : 0, ms: summarize(gaps) },
    leadMs: summarize(lead),
    pacingJitterMs: summarize(jitter),
    checkpointRttMs: summarize(rtt),
    server: parts.server,
    ...(parts.server === undefined && parts.serverNote !== undefined ? { serverNote: parts.serverNote } : {}),
    generator: parts.generator,
  };
}

function dist(s: Summary): string {
  if (s.count === 0) return '-';
  const r = (n: number): string => String(Math.round(n));
  return `p50 ${r(s.p50)}  p95 ${r(s.p95)}  p99 ${r(s.p99)}  max ${r(s.max)} ms  (n=${s.count})`;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** The report for people. */
export function formatLoadReport(r: LoadReport): string[] {
  const lines = [
    `load on ${r.target}: ${r.calls.total} calls in ${(r.wallMs / 1000).toFixed(1)} s, peak ${r.peakConcurrency} at once`,
    `  calls ok / failed     ${r.calls.ok} / ${r.calls.failed}${Object.keys(r.failures).length > 0 ? `  (${Object.entries(r.failures).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`,
    `  response latency      ${dist(r.responseLatencyMs)}`,
    `  barge-in latency      ${dist(r.bargeInLatencyMs)}`,
    `  bot-audio gaps        ${r.gaps.count} (${r.gaps.perCallMinute.toFixed(2)} per call-minute)${r.gaps.count > 0 ? `, ${dist(r.gaps.ms)}` : ''}`,
    `  pacing lead           ${dist(r.leadMs)}`,
    `  pacing jitter         ${dist(r.pacingJitterMs)}`,
    `  checkpoint rtt        ${dist(r.checkpointRttMs)}`,
    `  protocol errors       ${Object.keys(r.protocolErrors).length === 0 ? 'none' : Object.entries(r.protocolErrors).map(([k, v]) => `${k}: ${v}`).join(', ')}`,
  ];
  if (r.server !== undefined) {
    const s = r.server;
    lines.push(
      `  server (${s.samples} samples)   CPU mean ${s.cpuPercentMean.toFixed(0)} %, max ${s.cpuPercentMax.toFixed(0)} % of a core; RSS ${mb(s.rssBytesStart)} -> max ${mb(s.rssBytesMax)}; heap max ${mb(s.heapUsedBytesMax)}; streams max ${s.activeStreamsMax}`,
    );
  } else lines.push(`  server                not sampled (${r.serverNote ?? 'not local, or no /healthz'})`);
  const g = r.generator;
  const t = g.ticker;
  lines.push(
    `  load generator        CPU ${g.cpuPercent.toFixed(0)} % of a core, RSS max ${mb(g.rssBytesMax)}` +
      (t === undefined ? '' : `; 20 ms ticks late p99 ${t.p99LateMs.toFixed(1)} ms, max ${t.maxLateMs.toFixed(1)} ms, skipped ${t.skipped}`),
  );
  return lines;
}
