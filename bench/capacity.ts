/**
 * Section 1, capacity: the most concurrent calls a server holds while outbound pacing jitter
 * at the caller stays p99 < 20 ms with no bot-audio gaps and inbound processing lag (the
 * server's event-loop delay) p99 < 20 ms. callwire's full stack (echo agent, mu-law 8k) is
 * measured against a raw `ws` echo server (the ceiling) and a server written the way Plivo's
 * Node stream SDK works (zod-parse every frame, unpaced sends), in the same run, with the same
 * load generator (`callwire load` in a separate process).
 */
import { type BenchServer, type LoadReport, runLoadProcess, startBenchServer } from './lib/procs.js';

/** One concurrency level on one server. */
export interface Level {
  readonly calls: number;
  readonly pass: boolean;
  /** The load generator itself fell behind: the level says nothing about the server. */
  readonly generatorBound: boolean;
  readonly why: string;
  readonly jitterP99Ms: number;
  readonly gaps: number;
  readonly failed: number;
  readonly lagP99Ms: number;
  readonly serverCpuPercent: number;
  readonly generatorCpuPercent: number;
  readonly generatorLateP99Ms: number;
}

/** A server's result. */
export interface CapacityResult {
  readonly server: string;
  readonly levels: readonly Level[];
  /** Highest level that passed (0 when none did). */
  readonly capacity: number;
  /** The search stopped because the generator, not the server, fell behind: capacity is a lower bound. */
  readonly lowerBound: boolean;
}

export const SERVERS = [
  { name: 'callwire (echo agent, full stack)', file: 'callwire-echo.ts', path: '/plivo/stream' },
  { name: 'raw ws echo (ceiling)', file: 'raw-ws-echo.ts', path: '/' },
  { name: 'Plivo-SDK style (zod per frame, unpaced)', file: 'sdk-style-echo.ts', path: '/' },
] as const;

// The generator sends each caller's frames on a 20 ms tick; when its own ticks run late, the
// echo comes back late and the playout runs dry whatever the server does.
const GENERATOR_LATE_LIMIT_MS = 10;

function judge(r: LoadReport, lagP99: number): { pass: boolean; generatorBound: boolean; why: string } {
  const why: string[] = [];
  const generatorBound = r.generator.ticker.p99LateMs >= GENERATOR_LATE_LIMIT_MS;
  if (r.calls.failed > 0) why.push(`${r.calls.failed} calls failed`);
  // A server that sends nothing back has no jitter and no gaps: it must not pass.
  if (r.pacingJitterMs.count === 0) why.push('no bot audio reached the callers');
  if ((r.pacingJitterMs.p99 ?? 0) >= 20) why.push(`jitter p99 ${r.pacingJitterMs.p99} ms`);
  if (r.gaps.count > 0) why.push(`${r.gaps.count} gaps`);
  if (lagP99 >= 20) why.push(`lag p99 ${lagP99.toFixed(1)} ms`);
  if (generatorBound) why.push(`generator ticks late p99 ${r.generator.ticker.p99LateMs.toFixed(1)} ms: inconclusive`);
  return { pass: why.length === 0, generatorBound, why: why.join(', ') || 'ok' };
}

/**
 * Whether `capacity` is only a lower bound: the level that stopped the search (the lowest
 * failure above it) failed because the generator fell behind, or nothing failed at all.
 */
export function isLowerBound(levels: readonly Level[], capacity: number): boolean {
  const stop = levels.filter((l) => !l.pass && l.calls > capacity).sort((x, y) => x.calls - y.calls)[0];
  return stop === undefined || stop.generatorBound;
}

/** Run one level against a running server. */
export async function runLevel(server: BenchServer, path: string, calls: number, durationS: number): Promise<Level> {
  await server.stats(); // reset the probe
  const r = await runLoadProcess(`ws://127.0.0.1:${server.port}${path}`, ['--format', 'mulaw8k', '--calls', String(calls), '--concurrency', String(calls), '--duration', String(durationS), '--ramp', '2']);
  const s = await server.stats();
  const { pass, generatorBound, why } = judge(r, s.lagP99Ms);
  return {
    calls,
    pass,
    generatorBound,
    why,
    jitterP99Ms: r.pacingJitterMs.p99 ?? 0,
    gaps: r.gaps.count,
    failed: r.calls.failed,
    lagP99Ms: Math.round(s.lagP99Ms * 10) / 10,
    serverCpuPercent: Math.round(s.cpuPercent),
    generatorCpuPercent: Math.round(r.generator.cpuPercent),
    generatorLateP99Ms: Math.round(r.generator.ticker.p99LateMs * 10) / 10,
  };
}

/**
 * Step up through `levels` until one fails, then bisect up to `bisections` times between the
 * last pass and the first failure (while they are more than 10 % apart).
 */
export async function measureCapacity(levels: readonly number[], durationS: number, bisections: number, log: (s: string) => void): Promise<CapacityResult[]> {
  const out: CapacityResult[] = [];
  for (const s of SERVERS) {
    const server = await startBenchServer(s.name, s.file);
    const done: Level[] = [];
    const run = async (calls: number): Promise<Level> => {
      const level = await runLevel(server, s.path, calls, durationS);
      done.push(level);
      log(`  ${s.name}: ${calls} calls -> ${level.pass ? 'pass' : `fail (${level.why})`}, server CPU ${level.serverCpuPercent}%, generator late p99 ${level.generatorLateP99Ms} ms`);
      return level;
    };
    try {
      let best = 0;
      let firstFail: number | undefined;
      for (const calls of levels) {
        if ((await run(calls)).pass) best = calls;
        else {
          firstFail = calls;
          break;
        }
      }
      for (let i = 0; i < bisections && firstFail !== undefined && firstFail - best > Math.max(2, best * 0.1); i++) {
        const mid = Math.round((best + firstFail) / 2);
        if ((await run(mid)).pass) best = mid;
        else firstFail = mid;
      }
    } finally {
      await server.stop();
    }
    const passed = done.filter((l) => l.pass).map((l) => l.calls);
    const capacity = passed.length > 0 ? Math.max(...passed) : 0;
    out.push({ server: s.name, levels: done, capacity, lowerBound: isLowerBound(done, capacity) });
  }
  return out;
}
