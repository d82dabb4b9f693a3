/**
 * BENCHMARKS.md sections rendered from the results file: each states the machine, the exact
 * command, the numbers, the ratio to the baseline measured in the same run, and the target.
 */
import type { Summary } from '../../src/emulator/summary.js';
import { type CapacityResult, isLowerBound } from '../capacity.js';
import type { BenchResults, SectionMeta } from './results.js';

/** A number for a table: `–` when missing (JSON turns NaN into null). */
const n = (v: number | null | undefined, digits = 0): string => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const q3 = (s: Summary, digits = 0): string => `${n(s.p50, digits)} / ${n(s.p95, digits)} / ${n(s.p99, digits)}`;
const kb = (b: number): string => `${n(b / 1024)} KB`;
const mb = (b: number): string => `${n(b / 1048576, 1)} MB`;
const met = (ok: boolean): string => (ok ? 'met' : '**missed**');
/** JSON turns NaN into null; a missing figure is never "met". */
const num = (v: number | null | undefined): number => (v === null || v === undefined ? Number.NaN : v);
/** The verdict on `value < limit`, or "not measured". */
const below = (value: number | null | undefined, limit: number): string => (Number.isNaN(num(value)) ? '**not measured**' : met(num(value) < limit));

/** The line every section starts with. */
export function metaLine(m: SectionMeta): string {
  const busy = m.loadBefore > m.machine.cpus * 0.5 ? ` The machine was busy (load average ${n(m.loadBefore, 1)} before): treat tails as upper bounds.` : '';
  return `Command: \`${m.command}\` (${m.when.slice(0, 10)}, ${m.plan} run, ${m.machine.cpus} vCPU ${m.machine.cpu}, Node ${m.machine.node}, ${n(m.seconds)} s; load average ${n(m.loadBefore, 1)} before, ${n(m.loadAfter, 1)} after).${busy}`;
}

/** Markdown lines for every measured section, keyed by marker name. */
export function renderSections(r: BenchResults): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (r.audio !== undefined) {
    const { meta, data } = r.audio;
    out.set('audio', [
      metaLine(meta),
      `${data.seconds} s of audio as 20 ms frames, best of ${data.repeat} runs per row.`,
      '',
      '| operation | callwire | baseline | speed ratio | SNR callwire | SNR baseline |',
      '|---|---|---|---|---|---|',
      ...data.rows.map((row) => `| ${row.name} | ${n(row.ours)}× | ${n(row.baseline)}× | ${n(row.ratio, 2)}× | ${row.oursSnrDb === undefined ? '–' : `${n(row.oursSnrDb)} dB`} | ${row.baselineSnrDb === undefined ? '–' : `${n(row.baselineSnrDb)} dB`} |`),
    ]);
  }
  if (r.capacity !== undefined) {
    const { meta, data } = r.capacity;
    // A server that passed every level was never pushed to failure: its capacity is at least that.
    const open = (s: CapacityResult): boolean => s.levels.every((l) => l.pass);
    // Judged again from the levels, so results written by an older judge render the same way.
    const bound = (s: CapacityResult): boolean => isLowerBound(s.levels, s.capacity);
    // CPU per call at the highest level passed: what the capacity would be if the server had whole cores to itself.
    const perCore = (s: CapacityResult): number => {
      const at = s.levels.find((l) => l.pass && l.calls === s.capacity);
      return at === undefined || at.serverCpuPercent <= 0 ? Number.NaN : (at.calls * 100) / at.serverCpuPercent;
    };
    const [ours, ceiling] = [data[0], data[1]];
    const ratio = ours !== undefined && ceiling !== undefined && ceiling.capacity > 0 ? ours.capacity / ceiling.capacity : Number.NaN;
    const cpuRatio = ours !== undefined && ceiling !== undefined ? perCore(ours) / perCore(ceiling) : Number.NaN;
    out.set('capacity', [
      metaLine(meta),
      '',
      '| server | capacity (calls) | share of the raw ws ceiling | server CPU at capacity | calls per core, from CPU per call | levels tried (calls: result, server CPU) |',
      '|---|---|---|---|---|---|',
      ...data.map((s) => {
        const at = s.levels.find((l) => l.pass && l.calls === s.capacity);
        const note = open(s) ? ' or more (every level passed)' : bound(s) ? ' or more (the generator fell behind first)' : '';
        const share = ceiling !== undefined && ceiling.capacity > 0 ? `${n((s.capacity / ceiling.capacity) * 100)} %` : '–';
        return `| ${s.server} | ${s.capacity}${note} | ${share} | ${at === undefined ? '–' : `${at.serverCpuPercent} %`} | ${n(perCore(s))} | ${s.levels.map((l) => `${l.calls}: ${l.pass ? 'pass' : l.why}, ${l.serverCpuPercent} %`).join('; ')} |`;
      }),
      '',
      `Target: callwire at least 50 % of the raw ws ceiling: ${Number.isNaN(ratio) ? 'not measured' : ceiling !== undefined && bound(ceiling) ? `at most ${n(ratio * 100)} % of the raw echo's capacity (its ceiling was not reached, so this share is not a verdict)` : `${n(ratio * 100)} % of the measured ceiling, ${met(ratio >= 0.5)}`}${Number.isNaN(cpuRatio) ? '' : `; by CPU per call, which does not depend on where the generator gave out, ${n(cpuRatio * 100)} % of the raw server's calls per core, ${met(cpuRatio >= 0.5)}`}.${data.some(bound) ? ' Where a capacity reads "or more", the load generator (one process on the same cores) ran out before that server did, so the measured ceiling is itself a lower bound; the calls-per-core column (the level\'s calls divided by the server\'s share of one core) is the comparison that does not depend on the generator.' : ''}`,
    ]);
  }
  if (r.latency !== undefined) {
    const { meta, data } = r.latency;
    const raw = (share: number) => data.rows.find((x) => x.loadPercent === share && x.server.startsWith('raw'));
    const at50 = data.rows.find((x) => x.loadPercent === 50 && !x.server.startsWith('raw'));
    const base50 = raw(50);
    const added50 = at50 !== undefined && base50 !== undefined ? num(at50.rttMs.p99) - num(base50.rttMs.p99) : Number.NaN;
    out.set('latency', [
      metaLine(meta),
      `Share of the capacity measured above (${data.capacity} calls) held by background calls while the probe sends marked frames.`,
      '',
      '| server | load | background calls | frames | frame in -> frame out p50 / p95 / p99 | callwire minus raw ws, p50 / p99 | audio queued at the caller when the frame arrived, p50 / p99 |',
      '|---|---|---|---|---|---|---|',
      ...data.rows.map((x) => {
        const b = raw(x.loadPercent);
        const diff = b === undefined || x === b ? '–' : `${n(num(x.rttMs.p50) - num(b.rttMs.p50), 2)} / ${n(num(x.rttMs.p99) - num(b.rttMs.p99), 2)} ms`;
        const lead = x.leadMs === undefined ? '–' : `${n(x.leadMs.p50)} / ${n(x.leadMs.p99)} ms`;
        return `| ${x.server} | ${x.loadPercent} % | ${x.backgroundCalls} | ${x.rttMs.count} | ${q3(x.rttMs, 2)} ms | ${diff} | ${lead} |`;
      }),
      '',
      `Target: p99 < 5 ms at 50 %: callwire ${at50 === undefined ? 'not measured' : `${n(at50.rttMs.p99, 2)} ms, ${below(at50.rttMs.p99, 5)}`}${Number.isNaN(added50) ? '' : ` (of which ${n(added50, 2)} ms more than the raw ws echo at the same load)`}.`,
    ]);
  }
  if (r.turn !== undefined) {
    const { meta, data } = r.turn;
    const bargeTarget = data.minSpeechMs + 100;
    out.set('turn', [
      metaLine(meta),
      '',
      '| figure | p50 / p95 / p99 | baseline or target |',
      '|---|---|---|',
      `| response: caller speech end -> first bot audio at the caller (${data.turns} turns) | ${q3(data.responseMs)} ms | ${data.expectedMs} ms of configured endpointing and provider delay (p50 ratio ${n(data.responseMs.p50 / data.expectedMs, 2)}×) |`,
      `| turn overhead, strict: response minus the configured endpointing and provider delays | ${q3({ ...data.responseMs, p50: num(data.responseMs.p50) - data.expectedMs, p95: num(data.responseMs.p95) - data.expectedMs, p99: num(data.responseMs.p99) - data.expectedMs }, 1)} ms | p95 < 30 ms: ${below(num(data.responseMs.p95) - data.expectedMs, 30)} |`,
      `| turn overhead, measured providers: response minus the recogniser's final as it arrived and the configured LLM and TTS delays | ${q3(data.overheadMs, 1)} ms | p95 < 30 ms: ${below(data.overheadMs.p95, 30)} |`,
      `| in both: callwire's own time between stages (latency ledger) | ${q3(data.ownMs, 1)} ms | – |`,
      `| in the strict row only: the fake recogniser finalising later than configured (its own energy endpointer) | ${q3(data.sttOffsetMs, 1)} ms | – |`,
      `| barge-in: caller starts speaking over the bot -> bot audio stops at the caller (${data.bargeIns}) | ${q3(data.bargeInMs)} ms | < ${bargeTarget} ms (minimum speech ${data.minSpeechMs} ms + 100): ${below(data.bargeInMs.p95, bargeTarget)} at p95 |`,
    ]);
  }
  if (r.memory !== undefined) {
    const { meta, data } = r.memory;
    const base = data.find((x) => x.agent.startsWith('raw'));
    out.set('memory', [
      metaLine(meta),
      `${data[0]?.calls ?? 0} calls per server; figures are the growth per call from a collected heap. Heap + external (Buffers, the resampler's WASM memory) is what callwire allocates; RSS also moves with the allocator and is noisier.`,
      '',
      '| server | idle: heap + external (RSS) | active: heap + external (RSS) | idle ratio to raw ws |',
      '|---|---|---|---|',
      ...data.map((x) => {
        const idle = x.idleHeapBytes + x.idleExternalBytes;
        const baseIdle = base === undefined ? Number.NaN : base.idleHeapBytes + base.idleExternalBytes;
        return `| ${x.agent} | ${kb(idle)} (${kb(x.idleRssBytes)}) | ${kb(x.activeHeapBytes + x.activeExternalBytes)} (${kb(x.activeRssBytes)}) | ${x === base || Number.isNaN(baseIdle) || baseIdle <= 0 ? '–' : `${n(idle / baseIdle, 1)}×`} |`;
      }),
      '',
      `Target: under 200 KB per idle call: ${data
        .filter((x) => x !== base)
        .map((x) => `${x.agent} ${kb(x.idleHeapBytes + x.idleExternalBytes)}, ${met(x.idleHeapBytes + x.idleExternalBytes < 200 * 1024)}`)
        .join('; ')} (heap + external; the RSS column moves with what the allocator keeps and is only meaningful with many calls).`,
    ]);
  }
  if (r.leak !== undefined) {
    const { meta, data } = r.leak;
    const MB = 1048576;
    const rssGrowth = num(data.rssAtEndBytes) - num(data.rssAt1MinBytes);
    const heapGrowth = num(data.heapAtEndBytes) - num(data.heapAt1MinBytes);
    // Growth is judged against the run's own level: under 5 % (or 2 MB) counts as flat.
    const flatBy = (growth: number, level: number): boolean => growth < Math.max(2 * MB, level * 0.05);
    const measured = !Number.isNaN(rssGrowth) && !Number.isNaN(heapGrowth);
    const flat = measured && flatBy(rssGrowth, num(data.rssAt1MinBytes)) && flatBy(heapGrowth, num(data.heapAt1MinBytes));
    const window = data.windowSeconds ?? [0, 0];
    out.set('leak', [
      metaLine(meta),
      `${data.calls} calls at once (${data.share} % of the capacity of ${data.capacity}) for ${data.minutes} min with the echo agent, each call ${data.callSeconds} s, new calls replacing ended ones; memory sampled after a full collection (${data.samples.length} samples). Judged from ${window[0]} s to ${window[1]} s, while every call was running: medians of the first and last three samples, and the least-squares slope.`,
      '',
      '| series | after 1 min | at the end | growth | end / 1 min | slope per hour |',
      '|---|---|---|---|---|---|',
      `| RSS | ${mb(num(data.rssAt1MinBytes))} | ${mb(num(data.rssAtEndBytes))} | ${mb(rssGrowth)} | ${n(num(data.rssAtEndBytes) / num(data.rssAt1MinBytes), 3)} | ${mb(num(data.rssSlopePerHourBytes))} |`,
      `| live heap | ${mb(num(data.heapAt1MinBytes))} | ${mb(num(data.heapAtEndBytes))} | ${mb(heapGrowth)} | ${n(num(data.heapAtEndBytes) / num(data.heapAt1MinBytes), 3)} | ${mb(num(data.heapSlopePerHourBytes))} |`,
      '',
      `Target: no growth: ${measured ? met(flat) : '**not measured**'} (growth under 5 % or 2 MB counts as none). A positive slope that passes this rule is small, not absent: the 30-minute soak below runs the same check for longer.`,
    ]);
  }
  return out;
}
