/** Child processes for the benchmarks: servers under test and the load generator. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ProbeStats } from '../servers/probe.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Every child the benchmarks start, so none outlives a run that crashes or is interrupted.
const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });
}

/** `fetch` that gives up: a wedged server must fail the section, not hang the run. */
async function fetchJson<T>(url: string, timeoutMs = 15_000): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return (await r.json()) as T;
}
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** A server under test. */
export interface BenchServer {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Probe stats since the previous call (resets the server's histogram); `gc` collects garbage first. */
  stats(gc?: boolean): Promise<ProbeStats>;
  stop(): Promise<number | null>;
}

/** Start `bench/servers/<file>` with tsx and wait for its port. */
export async function startBenchServer(name: string, file: string, env: Record<string, string> = {}): Promise<BenchServer> {
  // tsx as an --import loader keeps the server in one process, where --expose-gc applies.
  const child = track(spawn(process.execPath, ['--expose-gc', '--import', 'tsx', `bench/servers/${file}`], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let startTimer: NodeJS.Timeout | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.on('line', (line) => {
      try {
        const m = JSON.parse(line) as { listening?: number };
        if (typeof m.listening === 'number') resolve(m.listening);
      } catch {
        // not ours
      }
    });
    void exited.then((code) => reject(new Error(`${name} exited (${code}) before listening: ${stderr}`)));
    startTimer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not listen within 30 s: ${stderr}`));
    }, 30_000);
  }).finally(() => clearTimeout(startTimer));
  return {
    name,
    port,
    child,
    async stats(gc = false) {
      return fetchJson<ProbeStats>(`http://127.0.0.1:${port}/bench/stats${gc ? '?gc=1' : ''}`);
    },
    async stop() {
      if (child.exitCode !== null) {
        if (child.exitCode !== 0) throw new Error(`${name} died during the run (exit ${child.exitCode}): ${stderr}`);
        return child.exitCode;
      }
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** The parts of `callwire load --json` the benchmarks read. */
export interface LoadReport {
  readonly calls: { readonly total: number; readonly ok: number; readonly failed: number };
  readonly responseLatencyMs: Quantiles;
  readonly bargeInLatencyMs: Quantiles;
  readonly gaps: { readonly count: number };
  readonly pacingJitterMs: Quantiles;
  readonly leadMs: Quantiles;
  readonly generator: { readonly cpuPercent: number; readonly ticker: { readonly p99LateMs: number; readonly maxLateMs: number } };
}

export interface Quantiles {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Run `callwire load` as a separate process and parse its JSON report. */
export async function runLoadProcess(url: string, args: string[]): Promise<LoadReport> {
  const child = track(spawn(process.execPath, [CLI, 'load', url, '--json', '--no-health', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const start = out.indexOf('{');
  if (start === -1) throw new Error(`callwire load printed no report (exit ${code}): ${err}`);
  return JSON.parse(out.slice(start)) as LoadReport;
}

/** The machine, for the report. */
export async function machine(): Promise<{ cpus: number; cpu: string; node: string; os: string }> {
  const os = await import('node:os');
  return { cpus: os.availableParallelism(), cpu: os.cpus()[0]?.model.trim() ?? 'unknown', node: process.version, os: `${os.type()} ${os.release()}` };
}
