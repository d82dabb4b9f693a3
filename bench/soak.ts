/**
 * Soak: `npm run soak [-- --minutes 30 --calls N --jitter 40 --loss 0.02]`. The server runs as
 * its own process (callwire's full stack with the echo agent, or `--agent builtin`), driven by
 * `callwire load` in another process at half of the measured capacity, with network jitter
 * and loss on every caller's frames, calls coming and going. The server's RSS, live heap,
 * handle count and event-loop lag are sampled throughout; the result is judged flat or not,
 * written to bench/results/soak.json and to the "Soak" section of BENCHMARKS.md.
 *
 * Capacity: the callwire figure in bench/results/latest.json when it exists; else `--calls`
 * (the concurrency to hold); else measured here first on the same server (stepping up until a
 * level fails, as bench/capacity.ts judges levels).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLevel } from './capacity.js';
import { type BenchServer, type LoadReport, machine, runLoadProcess, startBenchServer } from './lib/procs.js';
import { type SoakSample, flatnessTable, judgeFlat } from './lib/soak-stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS = `${ROOT}bench/results`;
const PATH = '/plivo/stream';

const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    calls: { type: 'string' },
    jitter: { type: 'string', default: '40' },
    loss: { type: 'string', default: '0.02' },
    'call-seconds': { type: 'string', default: '60' },
    'sample-seconds': { type: 'string', default: '10' },
    'warmup-seconds': { type: 'string', default: '120' },
    agent: { type: 'string', default: 'echo' },
    'no-write': { type: 'boolean', default: false },
  },
});
const minutes = Number(a.minutes);
const callSeconds = Number(a['call-seconds']);
const sampleSeconds = Number(a['sample-seconds']);
const warmupSeconds = Math.min(Number(a['warmup-seconds']), (minutes * 60) / 4);
const log = (s: string): void => void process.stderr.write(`[soak] ${s}\n`);

/** The callwire capacity recorded by the capacity benchmark, if any. */
function recordedCapacity(): { calls: number; source: string } | undefined {
  const file = `${RESULTS}/latest.json`;
  if (!existsSync(file)) return undefined;
  const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  // The capacity section is a list of per-server results; accept it at the top or under `capacity`.
  const list = Array.isArray(data) ? data : ((data as { capacity?: unknown }).capacity ?? []);
  if (!Array.isArray(list)) return undefined;
  const mine = list.find((r) => typeof r?.server === 'string' && r.server.startsWith('callwire') && typeof r.capacity === 'number');
  return mine === undefined || mine.capacity <= 0 ? undefined : { calls: mine.capacity, source: 'bench/results/latest.json' };
}

/** Step up until a level fails; the highest passing level is the capacity. */
async function measureHere(server: BenchServer): Promise<{ calls: number; source: string }> {
  let best = 0;
  for (const calls of [50, 100, 150, 200, 300, 400, 600]) {
    const level = await runLevel(server, PATH, calls, 20);
    log(`capacity: ${calls} calls -> ${level.pass ? 'pass' : `fail (${level.why})`}`);
    if (!level.pass) break;
    best = calls;
  }
  if (best === 0) throw new Error('not even 50 calls passed: the machine is too busy to soak at a meaningful load');
  return { calls: best, source: 'measured before the soak (20 s levels, the capacity benchmark\'s criteria)' };
}

async function sample(server: BenchServer, t: number, gc: boolean, afterGc: boolean): Promise<SoakSample> {
  const stats = await server.stats();
  const live = gc ? (await server.stats(true)).heapUsedBytes : null;
  const health = (await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).json()) as { activeHandles: number; activeStreams: number };
  return {
    t,
    rssBytes: stats.rssBytes,
    heapUsedBytes: stats.heapUsedBytes,
    liveHeapBytes: live,
    activeHandles: health.activeHandles,
    activeStreams: health.activeStreams,
    lagP99Ms: stats.lagP99Ms,
    lagMaxMs: stats.lagMaxMs,
    afterForcedGc: afterGc,
    cpuPercent: stats.cpuPercent,
  };
}

function writeSection(markdown: string[]): void {
  const file = `${ROOT}BENCHMARKS.md`;
  const text = readFileSync(file, 'utf8');
  const start = '<!-- bench:soak:start -->';
  const end = '<!-- bench:soak:end -->';
  const block = `${start}\n${markdown.join('\n')}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i !== -1 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n## Soak\n\n${block}\n`;
  writeFileSync(file, next);
}

const pct = (n: number | null): string => (n === null ? '–' : `${Math.round(n)}`);

async function main(): Promise<void> {
  const server = await startBenchServer(`callwire (${a.agent} agent)`, 'callwire-echo.ts', a.agent === 'builtin' ? { AGENT: 'builtin' } : {});
  try {
    const capacity = recordedCapacity() ?? (a.calls !== undefined ? { calls: Number(a.calls) * 2, source: '--calls (the concurrency to hold, taken as half of capacity)' } : await measureHere(server));
    const concurrency = Math.max(1, Math.floor(capacity.calls / 2));
    // One more round of calls than fits, so the load holds its concurrency to the end of the window.
    const total = concurrency * (Math.ceil((minutes * 60) / callSeconds) + 1);
    log(`capacity ${capacity.calls} (${capacity.source}); holding ${concurrency} calls for ${minutes} min, each ${callSeconds} s, jitter ${a.jitter} ms, loss ${a.loss}`);
    const samples: SoakSample[] = [];
    const t0 = performance.now();
    let n = 0;
    let lastGc = false;
    let stop = false;
    const sampling = (async () => {
      await server.stats(); // reset the lag histogram at the start of the load
      while (!stop) {
        await new Promise((r) => setTimeout(r, sampleSeconds * 1000));
        if (stop) break;
        const gc = ++n % 6 === 0;
        const s = await sample(server, (performance.now() - t0) / 1000, gc, lastGc).catch((e: unknown) => {
          log(`sample failed: ${(e as Error).message}`);
          return undefined;
        });
        lastGc = gc;
        if (s === undefined) continue;
        samples.push(s);
        if (n % 6 === 0) log(`${Math.round(s.t)} s: ${s.activeStreams} streams, RSS ${(s.rssBytes / 1048576).toFixed(0)} MB, live heap ${s.liveHeapBytes === null ? '–' : (s.liveHeapBytes / 1048576).toFixed(1)} MB, handles ${s.activeHandles}, lag p99 ${s.lagP99Ms.toFixed(1)} ms, CPU ${s.cpuPercent.toFixed(0)} %`);
      }
    })();
    const report: LoadReport = await runLoadProcess(`ws://127.0.0.1:${server.port}${PATH}`, [
      '--format', 'mulaw8k', '--calls', String(total), '--concurrency', String(concurrency), '--duration', String(callSeconds), '--ramp', '30', '--jitter', String(a.jitter), '--loss', String(a.loss), '--seed', '7',
    ]);
    stop = true;
    await sampling;
    const wallMinutes = (performance.now() - t0) / 60_000;
    const steady = samples.filter((s) => s.t >= warmupSeconds && s.t <= minutes * 60);
    const verdicts = judgeFlat(steady);
    const lagWindows = steady.filter((s) => !s.afterForcedGc);
    const result = {
      when: new Date().toISOString(),
      machine: await machine(),
      loadAverageAtEnd: loadavg(),
      agent: a.agent,
      capacity,
      concurrency,
      minutes,
      wallMinutes,
      callSeconds,
      impairments: { jitterMs: Number(a.jitter), lossRate: Number(a.loss) },
      load: { calls: report.calls, responseLatencyMs: report.responseLatencyMs, gaps: report.gaps, pacingJitterMs: report.pacingJitterMs, generator: report.generator },
      verdicts,
      lagP99MaxMs: Math.max(...lagWindows.map((s) => s.lagP99Ms)),
      lagMaxMs: Math.max(...lagWindows.map((s) => s.lagMaxMs)),
      samples,
    };
    const exit = await server.stop();
    if (a['no-write']) {
      process.stdout.write(`${JSON.stringify({ ...result, samples: samples.length }, null, 2)}\n`);
      return;
    }
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(`${RESULTS}/soak.json`, `${JSON.stringify(result, null, 2)}\n`);
    const r = report.responseLatencyMs;
    writeSection([
      `Command: \`npm run soak -- --minutes ${minutes}${a.calls !== undefined ? ` --calls ${a.calls}` : ''}\` (${result.when.slice(0, 10)}; raw samples in \`bench/results/soak.json\`).`,
      `Server: callwire's full stack with the ${a.agent} agent in its own process (\`bench/servers/callwire-echo.ts\`); load: \`callwire load\` in another process holding ${concurrency} calls (half of the capacity of ${capacity.calls}: ${capacity.source}), each call ${callSeconds} s of turns, ${report.calls.total} calls in ${wallMinutes.toFixed(1)} min, with ${a.jitter} ms jitter and ${Number(a.loss) * 100} % loss on every caller's frames. Samples every ${sampleSeconds} s (a forced full GC every 6th, for the live heap; the lag window after it is left out); steady state from ${warmupSeconds} s to ${minutes} min. Load average at the end: ${result.loadAverageAtEnd.map((x) => x.toFixed(1)).join(' / ')} (the machine is shared).`,
      '',
      ...flatnessTable(verdicts),
      '',
      `| calls ok / total | response latency p50 / p95 / p99 | bot-audio gaps | event-loop lag p99 (worst window) / max | server exit |`,
      `|---|---|---|---|---|`,
      `| ${report.calls.ok} / ${report.calls.total} | ${pct(r.p50)} / ${pct(r.p95)} / ${pct(r.p99)} ms | ${report.gaps.count} | ${result.lagP99MaxMs.toFixed(1)} / ${result.lagMaxMs.toFixed(1)} ms | ${exit} |`,
    ]);
    log(`done: ${verdicts.map((v) => `${v.series} ${v.flat ? 'flat' : 'NOT flat'}`).join(', ')}`);
  } catch (e) {
    await server.stop().catch(() => undefined);
    throw e;
  }
}

await main();
