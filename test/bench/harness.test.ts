/**
 * `npm run bench` end to end on a tiny load (`--tiny`): every section runs, the results file
 * holds each one with its machine and command, and BENCHMARKS.md's marked blocks are rewritten
 * while the prose around them stays. No timing is asserted: this proves the harness works.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/lib/results.js';
import { writeSection } from '../../bench/lib/sections.js';

const run = promisify(execFile);

describe('bench harness', () => {
  it('writeSection replaces between markers and leaves the prose, or appends under a heading', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-bench-'));
    const file = join(dir, 'B.md');
    writeFileSync(file, '# B\n\nprose before\n<!-- bench:x:start -->\nold\n<!-- bench:x:end -->\nprose after\n');
    writeSection(file, 'x', 'X', ['new 1', 'new 2']);
    writeSection(file, 'y', 'Why', ['y 1']);
    expect(readFileSync(file, 'utf8')).toBe('# B\n\nprose before\n<!-- bench:x:start -->\nnew 1\nnew 2\n<!-- bench:x:end -->\nprose after\n\n## Why\n\n<!-- bench:y:start -->\ny 1\n<!-- bench:y:end -->\n');
  });

  it('runs every section on a tiny load and regenerates the marked blocks', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-bench-'));
    const out = join(dir, 'results.json');
    const md = join(dir, 'BENCHMARKS.md');
    const sections = ['capacity', 'latency', 'turn', 'memory', 'leak', 'audio'];
    writeFileSync(md, `# Benchmarks\n\nkept prose\n\n${sections.map((s) => `<!-- bench:${s}:start -->\nstale\n<!-- bench:${s}:end -->`).join('\n\n')}\n`);
    await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--tiny', '--out', out, '--markdown', md], { timeout: 280_000 });

    const r = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    for (const s of sections) {
      const m = r[s as keyof BenchResults];
      expect(m, s).toBeDefined();
      expect(m?.meta.command).toBe(`npm run bench -- --tiny --out ${out} --markdown ${md}`);
      expect(m?.meta.machine.cpus).toBeGreaterThan(0);
    }
    // Every server was measured and every call of the tiny load got through.
    expect(r.capacity?.data.map((c) => c.server)).toEqual(['callwire (echo agent, full stack)', 'raw ws echo (ceiling)', 'Plivo-SDK style (zod per frame, unpaced)']);
    for (const c of r.capacity?.data ?? []) expect(c.levels.every((l) => l.failed === 0), c.server).toBe(true);
    expect(r.latency?.data.rows.every((row) => row.rttMs.count > 0)).toBe(true);
    expect(r.turn?.data.turns).toBeGreaterThan(0);
    expect(r.turn?.data.bargeIns).toBeGreaterThan(0);
    expect(r.memory?.data[0]?.agent).toBe('callwire echo');
    expect(r.leak?.data.samples.length).toBeGreaterThan(0);
    expect(r.audio?.data.rows.length).toBe(6);

    const text = readFileSync(md, 'utf8');
    expect(text).toContain('kept prose');
    expect(text).not.toContain('stale');
    for (const s of sections) expect(text, s).toContain(`<!-- bench:${s}:start -->\nCommand: \`npm run bench -- --tiny`);
    expect(text).toContain('| callwire (echo agent, full stack) |');
  });
});
