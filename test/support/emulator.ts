// Helpers shared by the emulator's integration tests.
import { afterEach } from 'vitest';
import { isCallwireError } from '../../src/errors.js';
import type { CallEvent, CallReport } from '../../src/emulator/index.js';

/** The coded error a promise rejects with ('resolved' when it does not). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isCallwireError(e) ? e.code : String(e);
  }
}

/** Events of one type from a timeline. */
export function eventsOf<T extends CallEvent['type']>(timeline: readonly CallEvent[], type: T): Extract<CallEvent, { type: T }>[] {
  return timeline.filter((e): e is Extract<CallEvent, { type: T }> => e.type === type);
}

/** The protocol error codes of a report. */
export function errorCodes(report: CallReport): string[] {
  return report.protocolErrors.map((e) => e.code);
}

/** Poll until `check` returns a value other than undefined. */
export async function until<T>(check: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Something a test must close. */
interface Closable {
  close(): Promise<unknown>;
}

/**
 * Close what a test opened, newest first, after each test: `const open = useCleanup();
 * const app = open(await startFakeApp())`.
 */
export function useCleanup(): <T extends Closable>(resource: T) => T {
  const open: Closable[] = [];
  afterEach(async () => {
    for (const r of open.splice(0).reverse()) await r.close();
  });
  return (resource) => {
    open.push(resource);
    return resource;
  };
}
