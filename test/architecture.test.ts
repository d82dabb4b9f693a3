// The layers of docs/architecture.md, enforced: every import in src/ (type-only ones too, since
// a type import still couples the files) must be allowed by LAYERS, the cloud vendors are wired
// only in cli/, and no two files import each other in a circle.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, importGraph, importsOf, layerOf } from './support/import-graph.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');

const BASE = ['errors', 'clock', 'latency-budget', 'bounded-queue', 'token-bucket', 'detached'];
const PURE = ['protocol', 'audio'];
const LOW = [...BASE, ...PURE, 'log', 'rest'];

/**
 * Which layer may import which (besides itself). A layer is a folder of src/, or a root file
 * (errors, clock, latency-budget, index). Keep in step with docs/architecture.md.
 */
const LAYERS: Record<string, readonly string[]> = {
  errors: [],
  clock: [],
  'latency-budget': [],
  'bounded-queue': [],
  'token-bucket': [],
  detached: ['errors'],
  types: [],
  protocol: ['errors'],
  audio: ['errors'],
  log: ['errors'],
  rest: ['errors', 'clock', 'log', 'protocol'],
  stream: LOW,
  providers: [...BASE, ...PURE, 'log'],
  store: [...BASE, ...PURE, 'log'],
  agent: [...LOW, 'stream', 'providers'],
  observability: [...LOW, 'stream', 'store', 'agent'],
  emulator: [...BASE, ...PURE, 'log', 'providers'],
  server: [...LOW, 'stream', 'providers', 'store', 'agent', 'observability'],
  dashboard: [...LOW, 'stream', 'providers', 'store', 'agent', 'observability', 'server'],
  doctor: [...LOW, 'stream', 'providers', 'store', 'emulator', 'server'],
  testing: [...LOW, 'providers', 'emulator'],
  cli: ['*'],
  index: ['*'],
};

/** Cloud vendors: chosen from the environment in cli/ only (the embedded flite and webrtc-vad are defaults). */
const CLOUD_VENDORS = ['deepgram', 'openai', 'elevenlabs', 'cartesia', 'anthropic', 'gemini', 'deepgram-aura', 'sarvam', 'assemblyai'];
/** Layers that may import a cloud vendor's folder: the CLI wires them, the entry points re-export them. */
const VENDOR_WIRERS = ['cli', 'index', 'providers'];

describe('architecture: the layers of docs/architecture.md', () => {
  const graph = importGraph(SRC);

  it('reads the imports of every file in src/', () => {
    expect(graph.size).toBeGreaterThan(200);
    const edges = [...graph.values()].reduce((n, t) => n + t.length, 0);
    expect(edges).toBeGreaterThan(800);
    expect(importsOf("import type { A } from './a.js';\nexport { B } from '../b.js';\nconst c = await import('./c.js');\nimport 'node:fs';")).toEqual([
      './a.js',
      '../b.js',
      './c.js',
    ]);
  });

  it('every layer is in the table', () => {
    const unknown = [...new Set([...graph.keys()].map(layerOf))].filter((l) => LAYERS[l] === undefined);
    expect(unknown).toEqual([]);
  });

  it('every import goes to a layer the table allows', () => {
    const bad: string[] = [];
    for (const [from, targets] of graph) {
      const a = layerOf(from);
      const allowed = LAYERS[a] ?? [];
      for (const to of targets) {
        const b = layerOf(to);
        if (a === b || allowed.includes('*') || allowed.includes(b)) continue;
        bad.push(`${from} -> ${to} (${a} may not import ${b})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('protocol and audio import nothing of ours but the error catalogue', () => {
    const bad = [...graph].flatMap(([from, targets]) =>
      PURE.includes(layerOf(from)) ? targets.filter((t) => layerOf(t) !== layerOf(from) && t !== 'errors.ts').map((t) => `${from} -> ${t}`) : [],
    );
    expect(bad).toEqual([]);
  });

  it('only the CLI wires cloud vendors', () => {
    const bad = [...graph].flatMap(([from, targets]) =>
      VENDOR_WIRERS.includes(layerOf(from))
        ? []
        : targets.filter((t) => CLOUD_VENDORS.some((v) => t.startsWith(`providers/${v}/`))).map((t) => `${from} -> ${t}`),
    );
    expect(bad).toEqual([]);
    // The environment's vendor keys are read in cli/ only (a vendor's own options read its base URL).
    const readers = [...graph.keys()].filter(
      (f) => !f.startsWith('cli/') && !f.startsWith('providers/') && /process\.env\.[A-Z]+_API_KEY|_API_KEY'\]/.test(readFileSync(join(SRC, f), 'utf8')),
    );
    expect(readers).toEqual([]);
  });

  it('no import cycles between files, type-only imports included', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('the cycle finder finds a circle', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
  });
});
