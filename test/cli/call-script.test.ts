// `callwire call --script` through the real CLI: "#" is a key, and a script that cannot be read
// or parsed is a usage error (exit 2, naming the line) before anything is dialled.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScript } from '../../src/emulator/script.js';
import { freePort, runCli } from '../support/cli.js';
import { useCleanup } from '../support/emulator.js';
import { startFakeApp } from '../support/fake-app.js';

const open = useCleanup();

function scriptFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'callwire-script-')), 'call.txt');
  writeFileSync(file, text);
  return file;
}

describe('callwire call --script', () => {
  it('"dtmf #" presses the pound key (the built-in menu\'s hang-up), with or without a comment after it', async () => {
    const app = open(await startFakeApp());
    const file = scriptFile('# a comment line\ndtmf #   # pound hangs up the built-in menu\nwait 200\nat 600 dtmf *#\nwait 200\nhangup\n');
    const { code, output } = await runCli(['call', app.answerUrl, '--script', file]);
    expect(output).toMatch(/caller\s+presses #/);
    expect(code).toBe(0);
    const digits = app.streams[0]?.messages.flatMap((m) => (m.event === 'dtmf' ? [m.dtmf.digit] : []));
    expect(digits).toEqual(['#', '*', '#']);
  });

  it('a script that fails to parse exits 2 naming the line, and never dials', async () => {
    const app = open(await startFakeApp());
    const { code, output } = await runCli(['call', app.answerUrl, '--script', scriptFile('say hello\n\nbogus step\n')]);
    expect(output).toMatch(/EMULATOR_SCRIPT_INVALID: .*call\.txt line 3: unknown step "bogus"/);
    expect(code).toBe(2);
    expect(app.answers).toHaveLength(0);
  });

  it('a missing script file exits 2 with CONFIG_FILE_UNREADABLE, and never dials', async () => {
    const app = open(await startFakeApp());
    const { code, output } = await runCli(['call', app.answerUrl, '--script', join(tmpdir(), 'callwire-no-such-script.txt')]);
    expect(output).toMatch(/CONFIG_FILE_UNREADABLE: cannot read script .*callwire-no-such-script\.txt \(ENOENT\)/);
    expect(code).toBe(2);
    expect(app.answers).toHaveLength(0);
  });

  it('parses "#" as a key only in dtmf; elsewhere " #" starts a comment', () => {
    expect(parseScript('dtmf #\nat 100 dtmf 1# # then pound\nsay hi # there\n')).toEqual([
      { kind: 'dtmf', digits: '#' },
      { kind: 'dtmf', digits: '1#', at: 100 },
      { kind: 'say', text: 'hi' },
    ]);
    expect(() => parseScript('\ndtmf 1 2\n')).toThrow(/line 2: dtmf takes one run of keys/);
  });
});

describe('callwire call without a URL', () => {
  it('dials the local server on PORT, as callwire serve reads it', async () => {
    const port = await freePort();
    const { code, output } = await runCli(['call', '--timeout', '5'], { PORT: String(port) });
    expect(output).toContain(`http://127.0.0.1:${port}/plivo/answer`);
    expect(code).toBe(1); // nothing listens there
  });
});
