// Tests that need a system tool skip with a message naming the Debian package when it is
// missing, and fail when CI is set (CI's .ci/run installs them).
import { execFileSync } from 'node:child_process';

const cache = new Map<string, boolean>();

/** True when `command` runs; otherwise logs a skip notice naming `pkg` (or throws under CI). */
export function requireTool(command: string, pkg: string): boolean {
  let ok = cache.get(command);
  if (ok === undefined) {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
      ok = true;
    } catch {
      ok = false;
    }
    cache.set(command, ok);
  }
  if (!ok) {
    const msg = `${command} not found: install the Debian package "${pkg}" (apt-get install ${pkg})`;
    if (process.env.CI) throw new Error(`${msg}; CI must have it`);
    console.warn(`skipping: ${msg}`);
  }
  return ok;
}
