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
import { type SoakResult, soakSection, writeSoakSection } from './lib/soak-report.js';
import { type SoakSample, judgeFlat } from './lib/soak-stats.js';

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
    'report-only': { type: 'boolean', default: false },
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
  return { calls: best, source: 'measured here just before, 20 s levels judged as bench/capacity.ts judges them' };
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

const command = (): string => `npm run soak -- --minutes ${minutes}${a.calls !== undefined ? ` --calls ${a.calls}` : ''}`;

async function main(): Promise<void> {
  if (a['report-only']) {
    // Render the section again from the last run's file (after changing the wording).
    const r = JSON.parse(readFileSync(`${RESULTS}/soak.json`, 'utf8')) as SoakResult;
    writeSoakSection(`${ROOT}BENCHMARKS.md`, soakSection(r, `npm run soak -- --minutes ${r.minutes}`));
    return;
  }
  const server = await startBenchServer(`callwire (${a.agent} agent)`, 'callwire-echo.ts', a.agent === 'builtin' ? { AGENT: 'builtin' } : {});
  try {
    const capacity = recordedCapacity() ?? (a.calls !== undefined ? { calls: Number(a.calls) * 2, source: '--calls gives the concurrency to hold' } : await measureHere(server));
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
    const stopped = await server.stop();
    const result: SoakResult = {
      when: new Date().toISOString(),
      machine: await machine(),
      loadAverageAtEnd: loadavg(),
      agent: String(a.agent),
      capacity,
      concurrency,
      minutes,
      wallMinutes,
      callSeconds,
      sampleSeconds,
      warmupSeconds,
      impairments: { jitterMs: Number(a.jitter), lossRate: Number(a.loss) },
      load: { calls: report.calls, responseLatencyMs: report.responseLatencyMs, gaps: report.gaps, pacingJitterMs: report.pacingJitterMs, generator: report.generator },
      verdicts,
      lagP99MaxMs: Math.max(...lagWindows.map((s) => s.lagP99Ms)),
      lagMaxMs: Math.max(...lagWindows.map((s) => s.lagMaxMs)),
      // stop() throws when the server died during the run; here it was alive and took SIGTERM.
      serverSurvived: stopped === null || stopped === 0,
      samples,
    };
    if (a['no-write']) {
      process.stdout.write(`${JSON.stringify({ ...result, samples: samples.length }, null, 2)}\n`);
      return;
    }
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(`${RESULTS}/soak.json`, `${JSON.stringify(result, null, 2)}\n`);
    writeSoakSection(`${ROOT}BENCHMARKS.md`, soakSection(result, command()));
    log(`done: ${verdicts.map((v) => `${v.series} ${v.flat ? 'flat' : 'NOT flat'}`).join(', ')}`);
  } catch (e) {
    await server.stop().catch(() => undefined);
    throw e;
  }
}

await main();
