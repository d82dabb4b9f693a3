/**
 * Call scripts: the caller's steps as data, run against an {@link EmulatedCall}. A script is
 * JSON (an array of steps, or `{ "steps": [...] }`) or text with one step per line:
 *
 * ```text
 * # a line starting with # is a comment; so is " # ..." after a step
 * say Hello, I would like to book a table   # flite speech (say:slt ... picks a voice)
 * wait 500                                  # stay silent for 500 ms of audio
 * wait-for-bot speech 30000                 # until the bot is heard (timeout ms, optional)
 * wait-for-bot silence 800                  # until the bot has been quiet 800 ms
 * dtmf 12#                                  # press keys, 100 ms apart (# is a key here)
 * dtmf #                                    # the pound key alone
 * play greeting.wav                         # a WAV (any rate) or raw 8 kHz mu-law file
 * at 3000 say Stop, please                  # start this step 3 s into the call (barge in)
 * hangup
 * ```
 *
 * The same steps in JSON: `{"say": "...", "voice": "slt"}`, `{"wait": 500}`,
 * `{"waitForBot": "speech", "timeoutMs": 30000}`, `{"waitForBot": "silence", "ms": 800}`,
 * `{"dtmf": "12#"}`, `{"play": "greeting.wav"}`, `{"hangup": true}`; any step may carry
 * `"at": 3000`. Times after `at` count from when the call was dialled, like the timeline.
 */
import { dirname, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { CallwireError, ConfigError } from '../errors.js';
import { readCallerAudio } from './audio-file.js';
import type { EmulatedCall } from './call.js';

/** One normalised step. */
export type ScriptStep =
  | { readonly kind: 'say'; readonly text: string; readonly voice?: string; readonly at?: number }
  | { readonly kind: 'play'; readonly file: string; readonly at?: number }
  | { readonly kind: 'wait'; readonly ms: number; readonly at?: number }
  | { readonly kind: 'waitForBot'; readonly until: 'speech' | 'silence'; readonly ms: number; readonly timeoutMs: number; readonly at?: number }
  | { readonly kind: 'dtmf'; readonly digits: string; readonly at?: number }
  | { readonly kind: 'hangup'; readonly at?: number };

/** Most steps in one script. */
export const MAX_SCRIPT_STEPS = 1000;

function invalid(where: string, message: string): never {
  throw new CallwireError('EMULATOR_SCRIPT_INVALID', `${where}: ${message}`);
}

function ms(value: unknown, where: string, what: string): number {
  const n = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 3_600_000) invalid(where, `${what} must be a number of ms (0-3600000)`);
  return n;
}

function withAt<T extends ScriptStep>(step: T, at: number | undefined): T {
  return at === undefined ? step : { ...step, at };
}

function fromObject(o: Record<string, unknown>, where: string): ScriptStep {
  const at = o.at === undefined ? undefined : ms(o.at, where, '"at"');
  if (typeof o.say === 'string') return withAt({ kind: 'say', text: o.say, ...(typeof o.voice === 'string' ? { voice: o.voice } : {}) }, at);
  if (typeof o.play === 'string') return withAt({ kind: 'play', file: o.play }, at);
  if (o.wait !== undefined || o.silence !== undefined) return withAt({ kind: 'wait', ms: ms(o.wait ?? o.silence, where, '"wait"') }, at);
  if (o.waitForBot === 'speech' || o.waitForBot === 'silence') {
    return withAt(
      {
        kind: 'waitForBot',
        until: o.waitForBot,
        ms: o.ms === undefined ? 800 : ms(o.ms, where, '"ms"'),
        timeoutMs: o.timeoutMs === undefined ? 30_000 : ms(o.timeoutMs, where, '"timeoutMs"'),
      },
      at,
    );
  }
  if (typeof o.dtmf === 'string') {
    if (!/^[0-9A-D*#]+$/.test(o.dtmf)) invalid(where, 'dtmf digits must be 0-9, A-D, * or #');
    return withAt({ kind: 'dtmf', digits: o.dtmf }, at);
  }
  if (o.hangup === true) return withAt({ kind: 'hangup' }, at);
  return invalid(where, `unknown step ${JSON.stringify(o).slice(0, 60)}`);
}

/** Drop a trailing comment: a # at the start or after whitespace. */
function stripComment(text: string): string {
  return text.replace(/(^|\s)#.*$/, '').trim();
}

function fromLine(line: string, where: string): ScriptStep {
  let rest = line.trim();
  let at: number | undefined;
  const atMatch = /^at\s+(\S+)\s+(.*)$/i.exec(rest);
  if (atMatch !== null) {
    at = ms(atMatch[1], where, '"at"');
    rest = (atMatch[2] as string).trim();
  }
  // dtmf's one argument may be "#" itself, so the comment rule cannot apply before it.
  const dtmf = /^dtmf(?:\s+(\S+))?(?:\s+(.*))?$/i.exec(rest);
  if (dtmf !== null) {
    if (dtmf[2] !== undefined && !dtmf[2].startsWith('#')) invalid(where, 'dtmf takes one run of keys (e.g. "dtmf 12#"); a comment after it starts with #');
    return fromObject({ dtmf: dtmf[1] ?? '', at }, where);
  }
  rest = stripComment(rest);
  const [word = '', ...args] = rest.split(/\s+/);
  const arg = rest.slice(word.length).trim();
  const verb = word.toLowerCase();
  if (verb === 'say' || verb.startsWith('say:')) {
    if (arg === '') invalid(where, 'say needs text');
    const voice = verb.includes(':') ? verb.slice(4) : undefined;
    return fromObject({ say: arg, ...(voice ? { voice } : {}), at }, where);
  }
  switch (verb) {
    case 'play':
      if (arg === '') invalid(where, 'play needs a file');
      return fromObject({ play: arg, at }, where);
    case 'wait':
    case 'silence':
      return fromObject({ wait: args[0], at }, where);
    case 'wait-for-bot': {
      const until = args[0];
      if (until !== 'speech' && until !== 'silence') invalid(where, 'wait-for-bot needs "speech" or "silence"');
      return until === 'speech'
        ? fromObject({ waitForBot: until, timeoutMs: args[1], at }, where)
        : fromObject({ waitForBot: until, ms: args[1], timeoutMs: args[2], at }, where);
    }
    case 'hangup':
      return fromObject({ hangup: true, at }, where);
    default:
      return invalid(where, `unknown step "${word.slice(0, 30)}"`);
  }
}

/**
 * Parse a script (JSON or text). `source` names it in errors.
 * @throws CallwireError EMULATOR_SCRIPT_INVALID naming the step or line
 */
export function parseScript(text: string, source = 'script'): ScriptStep[] {
  const trimmed = text.trim();
  let steps: ScriptStep[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (cause) {
      throw new CallwireError('EMULATOR_SCRIPT_INVALID', `${source}: not valid JSON`, { cause });
    }
    const list = Array.isArray(data) ? data : (data as { steps?: unknown }).steps;
    if (!Array.isArray(list)) invalid(source, 'expected an array of steps or {"steps": [...]}');
    steps = list.map((o, i) => {
      if (typeof o !== 'object' || o === null || Array.isArray(o)) invalid(`${source} step ${i + 1}`, 'a step is an object');
      return fromObject(o as Record<string, unknown>, `${source} step ${i + 1}`);
    });
  } else {
    steps = [];
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line !== '' && !line.startsWith('#')) steps.push(fromLine(line, `${source} line ${i + 1}`));
    });
  }
  if (steps.length > MAX_SCRIPT_STEPS) invalid(source, `more than ${MAX_SCRIPT_STEPS} steps`);
  return steps;
}

/** Read and parse a script file; `play` paths become relative to the file. */
export async function readScript(path: string): Promise<ScriptStep[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError('CONFIG_FILE_UNREADABLE', `cannot read script ${path} (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { cause });
  }
  const base = dirname(resolve(path));
  return parseScript(text, path).map((s) => (s.kind === 'play' ? { ...s, file: resolve(base, s.file) } : s));
}

/** Run steps in order on a call. Resolves when the last step is done (or the call hung up). */
export async function runScript(call: EmulatedCall, steps: readonly ScriptStep[]): Promise<void> {
  for (const step of steps) {
    if (step.at !== undefined) await call.waitUntil(step.at);
    switch (step.kind) {
      case 'say':
        await call.say(step.text, { voice: step.voice });
        break;
      case 'play': {
        const audio = await readCallerAudio(step.file);
        await call.play(audio.samples, audio.sampleRate, `play ${step.file}`);
        break;
      }
      case 'wait':
        await call.silence(step.ms);
        break;
      case 'waitForBot':
        if (step.until === 'speech') await call.waitForBotSpeech({ timeoutMs: step.timeoutMs });
        else await call.waitForBotSilence(step.ms, { timeoutMs: step.timeoutMs });
        break;
      case 'dtmf':
        for (const digit of step.digits) {
          call.pressDigit(digit);
          await call.silence(100);
        }
        break;
      case 'hangup':
        await call.hangup('the script hung up');
        return;
    }
  }
}
