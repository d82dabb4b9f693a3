// Helpers for the doctor's tests: short timings (the doctor's defaults are for real servers),
// and lookups into a report.
import type { CheckId, CheckOf, CheckResult, CheckTarget, DoctorOptions, DoctorReport } from '../../src/doctor/index.js';

/** Doctor options that keep a test short: a 1.5 s idle period, quick timeouts and waits, a generous latency budget. */
export const FAST: DoctorOptions = {
  idleMs: 1500,
  timeoutMs: 3000,
  greetingWaitMs: 1500,
  answerTimeoutMs: 3000,
  maxTurnMs: 10_000,
  // A loaded 2-core CI machine must not turn latency into a failure: the latency checks have
  // their own tests with explicit budgets.
  budget: { firstAudioMs: 10_000, responseMs: 10_000, checkpointMs: 10_000, networkMs: 10_000 },
};

/** The result of one check (the stream's, for url/tls checks, unless `target` says otherwise). */
export function check<I extends CheckId>(report: DoctorReport, id: I, target?: CheckTarget): CheckOf<I> {
  const want = target ?? (id.startsWith('url.') || id.startsWith('tls.') ? 'stream' : undefined);
  const found = report.checks.find((c) => c.id === id && c.target === want);
  if (found === undefined) throw new Error(`no ${id}${want ? ` (${want})` : ''} in the report: ${report.checks.map((c) => c.id).join(', ')}`);
  return found as CheckOf<I>;
}

/** "id(target)=status" for every check that is not ok or skip: the report's problems at a glance. */
export function problems(report: DoctorReport): string[] {
  return report.checks.filter((c) => c.status === 'warn' || c.status === 'fail').map((c: CheckResult) => `${c.id}${c.target ? `(${c.target})` : ''}=${c.status}`);
}
