/**
 * `callwire load [url] --calls N --concurrency C --duration S [--ramp S]`: many calls at once
 * through the emulated Plivo, with a progress line on stderr (TTY only) and a report of
 * calls ok/failed, response latency, bot-audio gaps, pacing, protocol errors and, when the
 * server is local, its CPU and memory (from /healthz). `--json` for machines. Exit 1 when any
 * call failed.
 */
import { Command } from 'commander';
import { readCallerAudio } from '../../emulator/audio-file.js';
import { DEFAULT_TICK_PHASES } from '../../emulator/emulator.js';
import { formatLoadReport } from '../../emulator/load/load-report.js';
import { type LoadOptions, type LoadProgress, runLoad } from '../../emulator/load/run-load.js';
import { ConfigError } from '../../errors.js';
import { defaultAnswerUrl } from './call.js';
import { type ImpairmentFlags, impairmentsFrom, withImpairmentFlags } from './impairment-flags.js';

interface LoadFlags extends ImpairmentFlags {
  calls: string;
  concurrency?: string;
  duration: string;
  ramp: string;
  format?: string;
  authToken?: string;
  authId?: string;
  speed?: string;
  say?: string;
  audio?: string;
  healthUrl?: string;
  health: boolean;
  phases: string;
  json?: boolean;
}

function int(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError('CONFIG_INVALID', `${flag} must be a number (got "${value.slice(0, 20)}")`);
  return n;
}

/** One progress line: a bar and the counts. */
export function progressLine(p: LoadProgress, width = 24): string {
  const done = Math.round((p.finished / p.total) * width);
  const bar = `${'#'.repeat(done)}${'.'.repeat(width - done)}`;
  return `[${bar}] ${p.finished}/${p.total} calls  active ${p.active}  ok ${p.ok}  failed ${p.failed}  ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

/** The `callwire load` command. */
export function loadCommand(): Command {
  return withImpairmentFlags(new Command('load')
    .description('load-test an app: many emulated calls at once, with latency, gaps, pacing and server CPU/memory')
    .argument('[url]', 'answer URL (http/https) or stream URL (ws/wss); default the local server on PORT or 8080', defaultAnswerUrl())
    .option('--calls <n>', 'calls to make in total', '10')
    .option('--concurrency <n>', 'calls at once (default: min(calls, 50))')
    .option('--duration <seconds>', 'length of each call', '10')
    .option('--ramp <seconds>', 'spread the first calls over this long', '5')
    .option('--format <format>', 'with a ws:// URL: mulaw8k, l16-8k or l16-16k')
    .option('--auth-token <token>', 'sign requests with this Plivo auth token (prefer env PLIVO_AUTH_TOKEN)')
    .option('--speed <factor>', 'audio clock speed (default 1)')
    .option('--say <text>', 'what each caller says on every turn (flite)')
    .option('--audio <file>', 'play this WAV or raw mu-law file on every turn instead')
    .option('--phases <n>', 'spread the calls over this many phases of the 20 ms frame clock; 1: every call in lock-step (worst-case bursts)', String(DEFAULT_TICK_PHASES))
    .option('--health-url <url>', 'server /healthz to sample for CPU and memory (default: the target host, when local)')
    .option('--no-health', 'do not sample the server')
    .option('--json', 'print the report as JSON'))
    .action(async (url: string, f: LoadFlags) => {
      const direct = /^wss?:\/\//i.test(url);
      const calls = int(f.calls, '--calls');
      const audio = f.audio === undefined ? undefined : await readCallerAudio(f.audio);
      const tty = process.stderr.isTTY === true && !f.json;
      const options: LoadOptions = {
        ...(direct ? { streamUrl: url, format: f.format ?? 'mulaw8k' } : { answerUrl: url }),
        calls,
        concurrency: f.concurrency === undefined ? Math.min(calls, 50) : int(f.concurrency, '--concurrency'),
        durationS: int(f.duration, '--duration'),
        rampS: int(f.ramp, '--ramp'),
        authToken: f.authToken ?? process.env.PLIVO_AUTH_TOKEN,
        speed: f.speed === undefined ? 1 : int(f.speed, '--speed'),
        say: f.say,
        audio,
        healthUrl: f.health ? f.healthUrl : null,
        impairments: impairmentsFrom(f),
        tickPhases: int(f.phases, '--phases'),
        onProgress: tty ? (p) => process.stderr.write(`\r${progressLine(p)}`) : undefined,
      };
      const report = await runLoad(options);
      if (tty) process.stderr.write('\n');
      if (f.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${formatLoadReport(report).join('\n')}\n`);
      process.exitCode = report.calls.failed === 0 ? 0 : 1;
    });
}
