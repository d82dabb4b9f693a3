/**
 * `npm run bench`: capacity, added latency, turn overhead and barge-in, memory, a leak run and
 * the audio core, each against a baseline measured in the same run; writes the results as
 * JSON and regenerates the numbers in BENCHMARKS.md.
 *
 *   npm run bench                      # the full run (under 20 minutes on 2 cores)
 *   npm run bench -- --quick           # every section on small loads (under 3 minutes)
 *   npm run bench -- --only capacity,latency
 *   npm run bench -- --report-only     # re-render BENCHMARKS.md from the results file
 *
 * `--only` merges into the results file, so a section can be measured again alone; latency and
 * the leak run take their load from the capacity measured in the same run, else from the file.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureAudio } from './audio.js';
import { measureCapacity } from './capacity.js';
import { machine } from './lib/procs.js';
import { type BenchPlan, FULL, QUICK, type Section, SECTIONS, TINY } from './lib/plan.js';
import { renderSections } from './lib/report.js';
import type { BenchResults, Measured, SectionMeta } from './lib/results.js';
import { writeSection } from './lib/sections.js';
import { measureLatency } from './latency.js';
import { MEMORY_TARGETS, measureLeak, measurePerCall } from './memory.js';
import { measureTurns } from './turn.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HEADINGS: Record<Section, string> = {
  audio: 'Audio core',
  capacity: 'Capacity: concurrent calls',
  latency: 'Added latency: frame in -> frame out',
  turn: 'Turn overhead and barge-in',
  memory: 'Memory per call',
  leak: 'Memory over a 10-minute run',
};

const argv = process.argv.slice(2);
const { values: a } = parseArgs({
  args: argv,
  options: {
    quick: { type: 'boolean', default: false },
    // The test suite's run: every section, a couple of calls each.
    tiny: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    // Only the full run rewrites BENCHMARKS.md unless told where to write.
    markdown: { type: 'string' },
    'no-markdown': { type: 'boolean', default: false },
    'report-only': { type: 'boolean', default: false },
  },
});

const plan: BenchPlan = a.tiny ? TINY : a.quick ? QUICK : FULL;
const outFile = a.out ?? resolve(ROOT, `bench/results/${plan.name === 'full' ? 'latest' : plan.name}.json`);
const markdown = a['no-markdown'] ? undefined : (a.markdown ?? (plan.name === 'full' ? resolve(ROOT, 'BENCHMARKS.md') : undefined));
const requested = a.only === undefined ? [...SECTIONS] : a.only.split(',').map((s) => s.trim());
for (const s of requested) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section "${s}" (sections: ${SECTIONS.join(', ')})`);
// Always in the suite's order: latency and the leak run are sized from the capacity measured before them.
const sections = SECTIONS.filter((s) => requested.includes(s));
const command = ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

const results: BenchResults = existsSync(outFile) && (a.only !== undefined || a['report-only']) ? (JSON.parse(readFileSync(outFile, 'utf8')) as BenchResults) : {};

/** Run one section and stamp it with where, when and how. */
async function measure<T>(name: Section, fn: () => Promise<T> | T): Promise<Measured<T>> {
  log(`${name}...`);
  const loadBefore = loadavg()[0] ?? 0;
  const t0 = performance.now();
  const data = await fn();
  const meta: SectionMeta = { command, plan: plan.name, when: new Date().toISOString(), machine: await machine(), loadBefore, loadAfter: loadavg()[0] ?? 0, seconds: (performance.now() - t0) / 1000 };
  log(`${name} done in ${meta.seconds.toFixed(0)} s`);
  return { meta, data };
}

/**
 * The capacity latency and the leak run are sized from: callwire's, from this run or the
 * file. A smoke run (quick, tiny) whose only level failed on a busy machine still runs the
 * later sections at that level, so it proves the harness; the full run refuses.
 */
function capacity(): number {
  const c = results.capacity?.data[0];
  if (c !== undefined && c.capacity > 0) return c.capacity;
  const tried = c?.levels[0]?.calls;
  if (plan.name !== 'full' && tried !== undefined) {
    log(`callwire passed no capacity level; sizing from the first level tried (${tried} calls)`);
    return tried;
  }
  throw new Error('no callwire capacity measured: run the capacity section first (npm run bench -- --only capacity)');
}

async function main(): Promise<void> {
  const started = performance.now();
  const failed: string[] = [];
  if (!a['report-only']) {
    for (const s of sections as Section[]) {
      try {
        await runSection(s);
      } catch (e) {
        // One section failing (a server that would not start, no capacity) keeps the others.
        failed.push(s);
        log(`${s} FAILED: ${(e as Error).stack ?? String(e)}`);
      }
      // Let the previous section's processes exit and the machine settle before the next.
      await new Promise((r) => setTimeout(r, plan.name === 'full' ? 3000 : 1000));
      // Written after every section, so a long run that dies keeps what it measured.
      mkdirSync(dirname(outFile), { recursive: true });
      writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
    }
  }
  if (markdown !== undefined) {
    for (const [name, lines] of renderSections(results)) writeSection(markdown, name, HEADINGS[name as Section], lines);
    log(`${markdown} regenerated from ${outFile}`);
  }
  log(`bench (${plan.name}) finished in ${((performance.now() - started) / 1000).toFixed(0)} s${failed.length > 0 ? `; FAILED: ${failed.join(', ')}` : ''}`);
  if (failed.length > 0) process.exitCode = 1;
}

async function runSection(s: Section): Promise<void> {
  switch (s) {
    case 'audio':
      results.audio = await measure(s, () => ({ ...plan.audio, rows: measureAudio(plan.audio.seconds, plan.audio.repeat) }));
      break;
    case 'capacity':
      results.capacity = await measure(s, () => measureCapacity(plan.capacity.levels, plan.capacity.durationS, plan.capacity.bisections, log));
      break;
    case 'latency': {
      const c = capacity();
      results.latency = await measure(s, async () => ({ capacity: c, rows: await measureLatency(c, plan.latency.shares, plan.latency.probeFrames, plan.latency.rampWaitMs, log) }));
      break;
    }
    case 'turn':
      results.turn = await measure(s, () => measureTurns(plan.turn.calls, plan.turn.turnsPerCall, log));
      break;
    case 'memory':
      results.memory = await measure(s, () =>
        measurePerCall(
          MEMORY_TARGETS.filter((t) => plan.memory.agents.includes(t.agent)),
          plan.memory.calls,
          plan.memory.activeSeconds,
          log,
        ),
      );
      break;
    case 'leak': {
      const c = capacity();
      const calls = Math.max(1, Math.round((c * plan.leak.share) / 100));
      results.leak = await measure(s, async () => ({ ...(await measureLeak(calls, plan.leak.minutes, plan.leak.sampleSeconds, log)), capacity: c, share: plan.leak.share }));
      break;
    }
    default: {
      const never: never = s;
      throw new Error(`unknown section ${String(never)}`);
    }
  }
}

await main();
