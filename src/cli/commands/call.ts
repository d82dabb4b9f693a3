/**
 * `callwire call [url]`: one call through the emulated Plivo. Fetches the answer URL (or
 * connects to a ws:// URL), lets the caller speak (`--say`, `--audio`, `--script`), prints
 * the timeline and a latency summary, and exits 1 on protocol errors or a failed connection.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { readCallerAudio } from '../../emulator/audio-file.js';
import type { EmulatedCall } from '../../emulator/call.js';
import type { CallOptions } from '../../emulator/call-options.js';
import { PlivoEmulator } from '../../emulator/emulator.js';
import { formatSummary, formatTimeline, reportToJson } from '../../emulator/report-text.js';
import { type ScriptStep, readScript, runScript } from '../../emulator/script.js';
import { takeTurn } from '../../emulator/turns.js';
import { ConfigError, isCallwireError } from '../../errors.js';
import { type ImpairmentFlags, impairmentsFrom, withImpairmentFlags } from './impairment-flags.js';

/** The local server's answer URL: on `PORT` when set (as `callwire serve` reads it), else 8080. */
export function defaultAnswerUrl(env: NodeJS.ProcessEnv = process.env): string {
  const port = env.PORT?.trim();
  return `http://127.0.0.1:${port !== undefined && /^\d{1,5}$/.test(port) ? port : '8080'}/plivo/answer`;
}

interface CallFlags extends ImpairmentFlags {
  audio?: string;
  say?: string;
  script?: string;
  format?: string;
  authToken?: string;
  authId?: string;
  record?: string;
  speed?: string;
  json?: boolean;
  voice?: string;
  timeout?: string;
  answerMethod?: 'GET' | 'POST';
  signHttps?: boolean;
}

function num(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError('CONFIG_INVALID', `${flag} must be a number (got "${value.slice(0, 20)}")`);
  return n;
}

/** Translate flags to call options. */
export function callOptionsFrom(url: string, f: CallFlags): CallOptions {
  const direct = /^wss?:\/\//i.test(url);
  if (!direct && !/^https?:\/\//i.test(url)) throw new ConfigError('CONFIG_INVALID', `the URL must be an answer URL (http/https) or a stream URL (ws/wss), got "${url.slice(0, 60)}"`);
  if ([f.say, f.audio, f.script].filter((x) => x !== undefined).length > 1) throw new ConfigError('CONFIG_INVALID', 'give at most one of --say, --audio and --script');
  return {
    ...(direct ? { streamUrl: url, format: f.format ?? 'mulaw8k' } : { answerUrl: url, answerMethod: f.answerMethod }),
    // An empty PLIVO_AUTH_TOKEN is no token: nothing is signed.
    authToken: f.authToken || process.env.PLIVO_AUTH_TOKEN || undefined,
    speed: num(f.speed, '--speed', 1),
    record: f.record !== undefined,
    voice: f.voice,
    maxDurationMs: num(f.timeout, '--timeout', 120) * 1000,
    signUpgradeAs: f.signHttps ? 'https' : 'as-written',
    impairments: impairmentsFrom(f),
  };
}

async function converse(call: EmulatedCall, f: CallFlags, script: readonly ScriptStep[] | undefined): Promise<void> {
  if (script !== undefined) {
    await runScript(call, script);
    return;
  }
  const turn = { replyTimeoutMs: 10_000, quietMs: 800 };
  // Listen first: an agent may greet the caller.
  await takeTurn(call, undefined, { ...turn, replyTimeoutMs: 2000 });
  if (f.say !== undefined) await takeTurn(call, () => call.say(f.say as string), turn);
  else if (f.audio !== undefined) {
    const audio = await readCallerAudio(f.audio);
    await takeTurn(call, () => call.play(audio.samples, audio.sampleRate, f.audio), turn);
  }
}

/** The `callwire call` command. */
export function callCommand(): Command {
  return withImpairmentFlags(new Command('call')
    .description('place one call through the emulated Plivo and print what happened')
    .argument('[url]', `answer URL (http/https) or stream URL (ws/wss); default the local server on PORT or 8080`, defaultAnswerUrl())
    .option('--say <text>', 'the caller says this (embedded flite voice)')
    .option('--audio <file>', 'the caller plays this WAV (any rate) or raw 8 kHz mu-law file (.ul)')
    .option('--script <file>', 'the caller follows this script (see the README: say, wait, dtmf, at, hangup)')
    .option('--format <format>', 'with a ws:// URL: mulaw8k, l16-8k or l16-16k (default mulaw8k)')
    .option('--auth-token <token>', 'sign requests with this Plivo auth token (prefer env PLIVO_AUTH_TOKEN)')
    .option('--record <file>', 'write a stereo WAV: left the caller, right what the caller heard')
    .option('--speed <factor>', 'run the audio clock faster (default 1 = real time)')
    .option('--json', 'print the report as JSON instead of the timeline')
    .option('--voice <voice>', 'flite voice for --say: kal16 (default), kal, slt, awb, rms')
    .option('--timeout <seconds>', 'hang up after this long (default 120)')
    .addOption(new Option('--answer-method <method>', 'method for the answer URL').choices(['GET', 'POST']))
    .option('--sign-https', 'sign the WebSocket upgrade over the https:// form of its URL'))
    .action(async (url: string, f: CallFlags) => {
      const options = callOptionsFrom(url, f);
      // A script that cannot be read or parsed is a usage error: say which line, exit 2, never dial.
      let script: ScriptStep[] | undefined;
      if (f.script !== undefined) {
        try {
          script = await readScript(f.script);
        } catch (e) {
          process.stderr.write(`callwire call: ${isCallwireError(e) ? `${e.code}: ` : ''}${(e as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
      }
      const emulator = new PlivoEmulator({ authToken: typeof options.authToken === 'string' ? options.authToken : undefined });
      const call = emulator.dial(options);
      try {
        await call.ready;
        await converse(call, f, script);
      } catch (e) {
        // The report says what went wrong; anything else is worth a line on stderr.
        if (!isCallwireError(e) || (e.code !== 'EMULATOR_CALL_ENDED' && e.family !== 'emulator')) {
          process.stderr.write(`callwire call: ${isCallwireError(e) ? `${e.code}: ` : ''}${(e as Error).message}\n`);
        }
      }
      const report = call.isEnded ? await call.finished : await call.hangup();
      await emulator.close();
      if (f.record !== undefined && report.recording !== undefined) writeFileSync(f.record, report.recording.stereoWav());
      if (f.json) process.stdout.write(`${JSON.stringify(reportToJson(report), null, 2)}\n`);
      else {
        process.stdout.write(`callwire call ${url}\n\n${formatTimeline(report).join('\n')}\n\n${formatSummary(report).join('\n')}\n`);
        if (f.record !== undefined) process.stdout.write(`  recording         ${f.record} (stereo: left = caller, right = heard)\n`);
      }
      process.exitCode = report.ok ? 0 : 1;
    });
}
