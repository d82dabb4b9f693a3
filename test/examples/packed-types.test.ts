// The published types compile in a user's strict TypeScript app, with no skipLibCheck: the
// package is packed (`npm pack`, the files a user downloads), unpacked into a temporary app's
// node_modules next to exactly the packages an install would bring (callwire's `dependencies`,
// linked from this repository's node_modules: no network), and an example agent plus every
// subpath export is typechecked with TypeScript 5.9 and TypeScript 7.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MODULES = join(REPO, 'node_modules');
let app = '';

function link(name: string): void {
  const to = join(app, 'node_modules', name);
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(join(MODULES, name), to, 'dir');
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'callwire-packed-'));
  // --ignore-scripts: dist/ is already built (npm test builds first); pack only collects files.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', app], { cwd: REPO, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(out) as [{ filename: string }];
  const pkgDir = join(app, 'node_modules', 'callwire');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(app, filename), '-C', pkgDir, '--strip-components=1']);
  const packed = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  // What an install of the tarball adds next to it: callwire's dependencies only (never its
  // devDependencies). Their own dependencies resolve through the links' real paths.
  for (const name of Object.keys(packed.dependencies ?? {})) link(name);
  // The app's own: Node's types, and zod for its tool schemas.
  link('@types/node');
  if (packed.dependencies?.zod === undefined) link('zod');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'packed-app', private: true, type: 'module' }));
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, verbatimModuleSyntax: true },
      include: ['src'],
    }),
  );
  mkdirSync(join(app, 'src'));
  for (const f of ['agent.ts', 'main.ts']) copyFileSync(join(REPO, 'examples/receptionist', f), join(app, 'src', f));
  // Every subpath export, and the types that carry ws and better-sqlite3 objects.
  writeFileSync(
    join(app, 'src/entries.ts'),
    [
      "import { createLogger, createServer, CallStream, storeLogTap } from 'callwire';",
      "import { SqliteStreamStore } from 'callwire/store';",
      "import { startCall, startFakeDeepgram, ManualClock } from 'callwire/testing';",
      "import { runDoctor } from 'callwire/doctor';",
      "import { parseInbound } from 'callwire/protocol';",
      "import { encodeMulaw } from 'callwire/audio';",
      'export const all = [createServer, CallStream, SqliteStreamStore, startCall, startFakeDeepgram, ManualClock, runDoctor, parseInbound, encodeMulaw];',
      "export const store = new SqliteStreamStore({ path: ':memory:' });",
      'export const logger = createLogger({ onLine: storeLogTap(store) });',
      '',
    ].join('\n'),
  );
}, 120_000);

afterAll(() => {
  if (app !== '') rmSync(app, { recursive: true, force: true });
});

function tsc(compiler: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [join(MODULES, compiler, 'bin/tsc'), '-p', app], { cwd: app, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('the packed package in a strict TypeScript app (no skipLibCheck)', () => {
  it.each([
    ['typescript', /^5\.9\./],
    ['typescript7', /^7\./],
  ])('typechecks with %s', (compiler, version) => {
    const pkg = JSON.parse(readFileSync(join(MODULES, compiler, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toMatch(version);
    const r = tsc(compiler);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  }, 240_000);
});
