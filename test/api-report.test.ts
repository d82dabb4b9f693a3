// The public surface is a checked-in file: api/callwire.api.md lists every name each entry point
// of package.json exports, with its declaration from the built .d.ts files. A change to the
// public API fails here with a diff until `npm run api:report` writes the new report.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { REPORT_PATH, type ApiEntry, apiEntries, renderReport } from '../scripts/api-report.js';
import type { SynthesizeOptions, TtsSession } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe('the API report', () => {
  let entries: ApiEntry[] = [];

  it('matches the built declarations (run `npm run api:report` after changing the public API)', () => {
    entries = apiEntries(ROOT);
    const checkedIn = readFileSync(join(ROOT, REPORT_PATH), 'utf8');
    expect(renderReport(entries), `${REPORT_PATH} is out of date: run npm run api:report and commit the diff`).toBe(checkedIn);
  }, 120_000);

  it('gives every exported name one meaning across all entry points', () => {
    const origins = new Map<string, Set<string>>();
    for (const e of entries) origins.set(e.name, (origins.get(e.name) ?? new Set()).add(e.origin));
    const twice = [...origins].filter(([, o]) => o.size > 1).map(([name, o]) => `${name}: ${[...o].join(', ')}`);
    expect(entries.length).toBeGreaterThan(300);
    expect(twice).toEqual([]);
  });

  it('keeps the root small and the vendors at their subpaths', () => {
    const root = entries.filter((e) => e.subpath === 'callwire').map((e) => e.name);
    expect(root.length).toBeLessThan(150);
    for (const vendor of ['DeepgramStt', 'OpenAiLlm', 'ElevenLabsTts', 'CartesiaTts', 'fliteTts', 'webRtcVad', 'mountDashboard', 'runDoctor', 'SqliteStreamStore']) {
      expect(root).not.toContain(vendor);
    }
    expect(entries.find((e) => e.subpath === 'callwire/providers/deepgram' && e.name === 'DeepgramStt')).toBeDefined();
    expect(entries.find((e) => e.subpath === 'callwire/dashboard' && e.name === 'mountDashboard')).toBeDefined();
  });

  it('exports, as SynthesizeOptions, the options TtsSession.synthesize takes', () => {
    // Checked by tsc (npm run check): the root once exported flite's SynthesizeOptions under this name.
    expectTypeOf<Parameters<TtsSession['synthesize']>[1]>().toEqualTypeOf<SynthesizeOptions>();
    expect(entries.find((e) => e.subpath === 'callwire' && e.name === 'SynthesizeOptions')?.origin).toMatch(/^dist\/providers\/types\.d\.ts:/);
  });
});
