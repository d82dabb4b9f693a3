/** Builds the `callwire` command tree. Each command lives in its own module under ./commands. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isCallwireError } from '../errors.js';
import { callCommand } from './commands/call.js';
import { loadCommand } from './commands/load.js';
import { logsCommand } from './commands/logs.js';
import { serveCommand } from './commands/serve.js';

/**
 * Every subcommand, one factory per module under ./commands. Adding a command is one
 * import and one entry here.
 */
const COMMANDS: ReadonlyArray<() => Command> = [serveCommand, logsCommand, callCommand, loadCommand];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Run the CLI with argv (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = new Command('callwire')
    .description('Real-time voice AI agents on Plivo Audio Streams')
    .version(version())
    .exitOverride()
    .showHelpAfterError();
  for (const make of COMMANDS) program.addCommand(make().exitOverride());
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (isCallwireError(e)) {
      process.stderr.write(`callwire: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
