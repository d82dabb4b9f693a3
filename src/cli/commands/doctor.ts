/**
 * `callwire doctor`: check a Plivo stream server (any, not only callwire) the way Plivo will
 * meet it, print a table (or `--json`), and exit 1 when any check fails (2 on bad usage).
 */
import { Command, Option } from 'commander';
import { runDoctor } from '../../doctor/run.js';
import { renderDoctorText } from '../../doctor/render-text.js';
import type { DoctorModeOption, DoctorOptions } from '../../doctor/options.js';
import { streamFormat } from '../../protocol/format.js';

interface DoctorFlags {
  answerUrl?: string;
  answerMethod?: string;
  streamUrl?: string;
  format?: string;
  authToken?: string;
  mode: string;
  idle: string;
  timeout: string;
  firstAudioBudget?: string;
  responseBudget?: string;
  networkBudget?: string;
  call: boolean;
  json?: boolean;
}

class UsageError extends Error {}

function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || value.trim() === '') throw new UsageError(`${flag} must be a number of seconds, got "${value.slice(0, 20)}"`);
  return Math.round(n * 1000);
}

function ms(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of milliseconds, got "${value.slice(0, 20)}"`);
  return n;
}

/** A URL flag must be absolute with one of `schemes`: "foo" is a typo, not 34 failing rows. */
function checkUrl(value: string | undefined, flag: string, schemes: readonly string[], example: string): void {
  if (value === undefined) return;
  let ok = false;
  try {
    ok = schemes.includes(new URL(value).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`${flag} must be an absolute ${schemes.map((s) => `${s}//`).join(' or ')} URL such as ${example}, got "${value.slice(0, 60)}"`);
}

/** Turn flags (and PLIVO_AUTH_TOKEN) into doctor options. @throws UsageError */
function optionsFrom(flags: DoctorFlags, env: NodeJS.ProcessEnv): DoctorOptions {
  if (flags.answerUrl === undefined && flags.streamUrl === undefined) throw new UsageError('give --answer-url (the URL Plivo fetches) or --stream-url (a ws:// or wss:// URL)');
  checkUrl(flags.answerUrl, '--answer-url', ['http:', 'https:'], 'https://agent.example.com/plivo/answer');
  checkUrl(flags.streamUrl, '--stream-url', ['ws:', 'wss:'], 'wss://agent.example.com/plivo/stream');
  const method = flags.answerMethod?.toUpperCase();
  if (method !== undefined && method !== 'GET' && method !== 'POST') throw new UsageError('--answer-method must be GET or POST');
  if (flags.format !== undefined) {
    try {
      streamFormat(flags.format);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return {
    answerUrl: flags.answerUrl,
    answerMethod: method as 'GET' | 'POST' | undefined,
    streamUrl: flags.streamUrl,
    format: flags.format,
    authToken: flags.authToken || env.PLIVO_AUTH_TOKEN || undefined,
    mode: flags.mode as DoctorModeOption,
    idleMs: seconds(flags.idle, '--idle'),
    timeoutMs: Math.max(1, seconds(flags.timeout, '--timeout')),
    budget: { firstAudioMs: ms(flags.firstAudioBudget, '--first-audio-budget'), responseMs: ms(flags.responseBudget, '--response-budget'), networkMs: ms(flags.networkBudget, '--network-budget') },
    call: flags.call,
  };
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check a Plivo stream server from outside: URL, TLS, WebSocket keepalive, signatures, Stream XML, audio and latency')
    .option('--answer-url <url>', 'the answer URL Plivo fetches; its Stream XML names the stream URL')
    .option('--answer-method <method>', 'GET or POST (default POST, as Plivo)')
    .option('--stream-url <url>', 'the ws:// or wss:// stream URL (overrides the answer XML\'s)')
    .option('--format <format>', 'stream format when there is no answer XML: mulaw8k, l16-8k or l16-16k (default mulaw8k)')
    .option('--auth-token <token>', 'Plivo Auth Token: sign like Plivo and check signature validation (env PLIVO_AUTH_TOKEN)')
    .addOption(new Option('--mode <mode>', 'auto: loopback is local development; production: judge as Plivo will see it').choices(['auto', 'development', 'production']).default('auto'))
    .option('--idle <seconds>', 'how long an idle stream must stay open', '30')
    .option('--timeout <seconds>', 'timeout of each network step', '5')
    .option('--first-audio-budget <ms>', 'budget for the first bot audio after start (default 800)')
    .option('--response-budget <ms>', 'budget for the answer after the caller stops (default 1500)')
    .option('--network-budget <ms>', 'budget for the WebSocket ping round trip from here (default 100)')
    .option('--no-call', 'skip the emulated call (no audio or latency checks): a quick connectivity check')
    .option('--json', 'print the report as JSON')
    .action(async (flags: DoctorFlags) => {
      let options: DoctorOptions;
      try {
        options = optionsFrom(flags, process.env);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        process.stderr.write(`callwire doctor: ${e.message}\n`);
        process.exitCode = 2;
        return;
      }
      // Progress lines only for a person watching a terminal: --json output and logs stay clean.
      if (process.stderr.isTTY) options.onProgress = (message) => process.stderr.write(`doctor: ${message}\n`);
      const report = await runDoctor(options);
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderDoctorText(report, { width: process.stdout.isTTY ? process.stdout.columns : 100 }));
      process.exitCode = report.ok ? 0 : 1;
    });
}
