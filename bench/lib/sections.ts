/** BENCHMARKS.md is regenerated in place: each section's numbers live between two markers. */
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Replace the block between `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->`
 * with `lines`, or append it under `## <heading>` when the markers are missing. Prose outside
 * the markers is left alone.
 */
export function writeSection(file: string, name: string, heading: string, lines: readonly string[]): void {
  const text = readFileSync(file, 'utf8');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${lines.join('\n')}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i !== -1 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n## ${heading}\n\n${block}\n`;
  writeFileSync(file, next);
}
