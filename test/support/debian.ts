// Tests that need a Debian package skip with a message naming it when run by hand, and fail
// when CI is set (.ci/run installs the packages, so a missing one there is a real failure).
// Two styles: `needsDebian(ctx, ...)` inside a test (skips that test), and
// `requireDebian(...)` at file level (returns ok/reason for `describe.skipIf`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav.js';

interface SkipContext {
  skip(note?: string): void;
}

/** True when `command` is on PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Make the current test depend on a Debian package: returns when `command` exists, skips the
 * test (naming the package) when it does not, and throws instead of skipping when CI is set.
 */
export function needsDebian(ctx: SkipContext, command: string, packages: string): void {
  if (hasCommand(command)) return;
  const note = `needs the Debian package(s) ${packages} (apt-get install ${packages})`;
  if (process.env.CI) throw new Error(`${note}; CI is set, so this is a failure`);
  ctx.skip(note);
}

/**
 * Transcribe 16 kHz PCM16 with pocketsphinx (Debian `pocketsphinx` + `pocketsphinx-en-us`).
 * With `phrases`, recognition is limited to them (a JSGF grammar), which is reliable even for
 * telephone-band audio (docs/ecosystem.md §7).
 */
export function transcribe(samples16k: Int16Array, phrases?: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'callwire-sphinx-'));
  try {
    const wav = join(dir, 'in.wav');
    writeFileSync(wav, encodeWav(samples16k, 16000));
    const args = ['-infile', wav, '-logfn', '/dev/null'];
    if (phrases !== undefined) {
      const grammar = join(dir, 'g.jsgf');
      writeFileSync(grammar, `#JSGF V1.0;\ngrammar g;\npublic <s> = ${phrases.map((p) => `( ${p} )`).join(' | ')};\n`);
      args.push('-jsgf', grammar);
    }
    const r = spawnSync('pocketsphinx_continuous', args, { encoding: 'utf8', timeout: 60_000 });
    return r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/^\d+:/.test(l))
      .join(' ')
      .toLowerCase();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A system dependency check: `ok`, and the reason to print when not. */
export interface SystemDep {
  readonly ok: boolean;
  readonly reason: string;
}

const cache = new Map<string, SystemDep>();

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
