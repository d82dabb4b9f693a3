/** The soak's result file and its BENCHMARKS.md section (rewritten in place between markers). */
import type { Quantiles } from './procs.js';
import { writeSection } from './sections.js';
import { type Flatness, type SoakSample, flatnessTable } from './soak-stats.js';

/** What `bench/results/soak.json` holds. */
export interface SoakResult {
  readonly when: string;
  readonly machine: { readonly cpus: number; readonly cpu: string; readonly node: string; readonly os: string };
  readonly loadAverageAtEnd: readonly number[];
  readonly agent: string;
  readonly capacity: { readonly calls: number; readonly source: string };
  readonly concurrency: number;
  readonly minutes: number;
  readonly wallMinutes: number;
  readonly callSeconds: number;
  readonly sampleSeconds: number;
  readonly warmupSeconds: number;
  readonly impairments: { readonly jitterMs: number; readonly lossRate: number };
  readonly load: {
    readonly calls: { readonly total: number; readonly ok: number; readonly failed: number };
    readonly responseLatencyMs: Quantiles;
    readonly gaps: { readonly count: number; readonly perCallMinute?: number };
    readonly pacingJitterMs: Quantiles;
    readonly generator: { readonly cpuPercent: number; readonly ticker: { readonly p99LateMs: number; readonly maxLateMs: number } };
  };
  readonly verdicts: readonly Flatness[];
  readonly lagP99MaxMs: number;
  readonly lagMaxMs: number;
  /** The server was still running when the load ended (it is stopped with SIGTERM after). */
  readonly serverSurvived: boolean;
  readonly samples: readonly SoakSample[];
}

const ms = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : `${Math.round(n)}`);

/** The section's markdown lines. */
export function soakSection(r: SoakResult, command: string): string[] {
  const l = r.load;
  const flat = r.verdicts.every((v) => v.flat);
  const rss = r.verdicts.find((v) => v.series === 'RSS')?.trend;
  const live = r.verdicts.find((v) => v.series.startsWith('live heap'))?.trend;
  const MB = 1024 * 1024;
  return [
    `Command: \`${command}\` (${r.when.slice(0, 10)}, ${r.machine.cpus} vCPU ${r.machine.cpu}, Node ${r.machine.node}; every sample in \`bench/results/soak.json\`).`,
    `Server: callwire's full stack with the ${r.agent} agent in its own process (\`bench/servers/callwire-echo.ts\`). Load: \`callwire load\` in another process holding ${r.concurrency} calls, half of the capacity of ${r.capacity.calls} (${r.capacity.source}), each call ${r.callSeconds} s of turns, ${l.calls.total} calls in ${r.wallMinutes.toFixed(1)} min, with up to ${r.impairments.jitterMs} ms of jitter and ${r.impairments.lossRate * 100} % loss on every caller's frames. Samples every ${r.sampleSeconds} s, a forced full collection every 6th for the live heap (the lag window after it is left out); steady state from ${r.warmupSeconds} s to ${r.minutes} min. Load average at the end ${r.loadAverageAtEnd.map((x) => x.toFixed(1)).join(' / ')}: the machine was shared with other work.`,
    '',
    ...flatnessTable(r.verdicts),
    '',
    '| calls ok / total | response latency p50 / p95 / p99 | bot-audio gaps | pacing jitter p99 | event-loop lag p99, worst window / max | server alive to the end |',
    '|---|---|---|---|---|---|',
    `| ${l.calls.ok} / ${l.calls.total} | ${ms(l.responseLatencyMs.p50)} / ${ms(l.responseLatencyMs.p95)} / ${ms(l.responseLatencyMs.p99)} ms | ${l.gaps.count} (${(l.gaps.perCallMinute ?? 0).toFixed(1)} per call-minute) | ${ms(l.pacingJitterMs.p99)} ms | ${r.lagP99MaxMs.toFixed(1)} / ${r.lagMaxMs.toFixed(1)} ms | ${r.serverSurvived ? 'yes' : '**no**'} |`,
    '',
    `Reading it: ${flat ? 'flat' : '**not flat**'}. ${rss === undefined || live === undefined ? '' : `Over ${r.minutes - r.warmupSeconds / 60} minutes of calls coming and going, RSS moved ${((rss.end - rss.start) / MB).toFixed(1)} MB and the live heap ${((live.end - live.start) / MB).toFixed(1)} MB; `}the handle count follows the calls in flight and returns to the same level. The echo agent plays back what reaches it, so the caller's lost frames come back as holes in what the caller hears: those are the bot-audio gaps (each 40-100 ms), not the server falling behind (its lag p99 stays ~1 ms). The response latency is the echo's (the first echoed frame after the caller's speech ends), not an AI agent's.`,
  ];
}

/** Replace the soak section of BENCHMARKS.md (or append it). */
export function writeSoakSection(file: string, lines: readonly string[]): void {
  writeSection(file, 'soak', 'Soak', lines);
}
