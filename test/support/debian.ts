// Tests that need a Debian package ask for it here. Missing when run by hand: the tests
// skip with a message naming the package. Missing under CI (env CI set): the test file
// fails, because .ci/run installs these packages and a skip there would hide a real gap.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A system dependency check: `ok`, and the reason to print when not. */
export interface SystemDep {
  readonly ok: boolean;
  readonly reason: string;
}

const cache = new Map<string, SystemDep>();

function hasCommand(command: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Check that every command (and optional file) exists; `packages` names the Debian
 * packages that provide them. Throws under CI when something is missing.
 */
export function requireDebian(packages: readonly string[], commands: readonly string[], files: readonly string[] = []): SystemDep {
  const key = [...packages, '|', ...commands, '|', ...files].join(' ');
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const missing = [...commands.filter((c) => !hasCommand(c)), ...files.filter((f) => !existsSync(f))];
  const reason =
    missing.length === 0
      ? ''
      : `needs Debian ${packages.join(' ')} (missing: ${missing.join(', ')}); install with: apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  const dep: SystemDep = { ok: missing.length === 0, reason };
  if (!dep.ok) {
    if (process.env.CI) throw new Error(`CI is set and a test dependency is missing: ${reason}`);
    process.stderr.write(`[skip] ${reason}\n`);
  }
  cache.set(key, dep);
  return dep;
}

/** Debian espeak-ng (speech for tests). */
export function requireEspeak(): SystemDep {
  return requireDebian(['espeak-ng'], ['espeak-ng']);
}
