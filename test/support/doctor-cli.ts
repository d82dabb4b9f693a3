// Run `callwire doctor` as a child process (the real CLI from dist/) and keep its stdout
// apart from stderr, so `--json` output parses whatever Node prints to stderr.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DoctorReport } from '../../src/doctor/index.js';
import { type Spawned, spawnCli } from './cli.js';

export interface DoctorRun {
  readonly code: number | null;
  readonly stdout: string;
  /** stdout and stderr together. */
  readonly output: string;
}

/** Run the doctor with `args`; resolves when it exits (killed after `timeoutMs`). */
export async function runDoctorCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<DoctorRun> {
  const s = spawnCli(['doctor', ...args], { PLIVO_AUTH_TOKEN: '', ...env });
  let stdout = '';
  s.child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  const timer = setTimeout(() => s.child.kill('SIGKILL'), timeoutMs);
  const code = await s.exited;
  clearTimeout(timer);
  return { code, stdout, output: s.output() };
}

/** The report of a `--json` run. */
export function reportOf(run: DoctorRun): DoctorReport {
  try {
    return JSON.parse(run.stdout) as DoctorReport;
  } catch {
    throw new Error(`doctor printed no JSON report (exit ${run.code}):\n${run.output.slice(-3000)}`);
  }
}

/** `callwire serve` as `npm start` runs it, on a free loopback port with its records in a temp dir. */
export async function startServeCli(extra: string[] = [], env: Record<string, string> = {}): Promise<{ base: string; cli: Spawned; close(): Promise<void> }> {
  const db = join(mkdtempSync(join(tmpdir(), 'cw-doctor-serve-')), 'callwire.db');
  const cli = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--db', db, ...extra], env);
  const [, base] = await cli.waitFor(/callwire listening on (https?:\/\/127\.0\.0\.1:\d+)/, 30_000);
  return {
    base: base as string,
    cli,
    close: async () => {
      if (cli.child.exitCode === null) {
        cli.child.kill('SIGTERM');
        await cli.exited;
      }
    },
  };
}
