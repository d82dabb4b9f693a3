// SECURITY.md names the test behind each claim: every file it cites exists and holds every
// test it names, so the document cannot drift from the suite silently.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const doc = readFileSync(`${ROOT}SECURITY.md`, 'utf8');

/** [file, test name] pairs: a `test/...` path followed by › "name" (one or more). */
function citations(text: string): [string, string][] {
  const out: [string, string][] = [];
  let file: string | undefined;
  for (const m of text.matchAll(/`(test\/[^`]+\.ts)`|› "((?:[^"\\]|\\.)*)"/g)) {
    if (m[1] !== undefined) file = m[1];
    else if (file !== undefined && m[2] !== undefined && !m[2].includes('…')) out.push([file, m[2].replace(/\\"/g, '"')]);
  }
  return out;
}

describe('SECURITY.md', () => {
  const cited = citations(doc);

  it('cites tests for its claims', () => {
    expect(cited.length).toBeGreaterThan(40);
  });

  it('every cited file exists and holds every cited test', () => {
    const missing: string[] = [];
    for (const [file, name] of cited) {
      const path = `${ROOT}${file}`;
      if (!existsSync(path)) {
        missing.push(`${file} (no such file)`);
        continue;
      }
      const source = readFileSync(path, 'utf8').replace(/\\'/g, "'");
      if (!source.includes(name)) missing.push(`${file} › "${name}"`);
    }
    expect(missing).toEqual([]);
  });
});
