/**
 * Structured logs: pino JSON lines (stream id and call id bound on every line of a call),
 * or a compact human format when stdout is a TTY. Secrets are redacted by path, and the
 * code never passes tokens to the logger in the first place.
 */
import { Writable } from 'node:stream';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { ConfigError } from '../errors.js';
import { NUMBER_KEYS, NUMBER_PATHS, maskNumber } from './mask.js';

export type { Logger };

/** The levels a logger takes, most verbose first. */
export const LOG_LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** True for one of {@link LOG_LEVELS}. */
export function isLogLevel(value: unknown): value is LevelWithSilent {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

// pino's own complaint about an unknown level is a plain Error; say which setting it was.
function checkLevel(value: unknown, setting: string): LevelWithSilent {
  if (isLogLevel(value)) return value;
  throw new ConfigError('CONFIG_INVALID', `${setting} must be one of ${LOG_LEVELS.join(', ')} (got "${String(value).slice(0, 20)}")`);
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Force pretty (true) or JSON (false); default: pretty when stdout is a TTY. */
  pretty?: boolean;
  /** Where lines go; default stdout. */
  destination?: NodeJS.WritableStream;
  /**
   * Also receive every line at `tapLevel` or above as a parsed object (the server stores a
   * stream's lines with its record this way). Called synchronously; must not throw.
   */
  onLine?: (line: Record<string, unknown>) => void;
  /** Minimum level for `onLine` (default debug). */
  tapLevel?: LevelWithSilent;
  /**
   * Log phone numbers in full (`--log-full-numbers`). Default false: values under a number's
   * key (`from`, `to`, `From`, `To`, ..., also one level down) show their last 4 digits only.
   */
  fullNumbers?: boolean;
}

const REDACT = [
  'authToken',
  '*.authToken',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'headers.authorization',
  'headers["x-plivo-signature-v3"]',
  'headers["x-plivo-signature-ma-v3"]',
  'req.headers.authorization',
];

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '\x1b[90m', 20: '\x1b[36m', 30: '\x1b[32m', 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[35m' };

function prettyLine(line: string, color: boolean): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, pid: _pid, hostname: _h, streamId, callId, ...rest } = o;
  const t = new Date(Number(time)).toISOString().slice(11, 23);
  const lv = LEVELS[Number(level)] ?? String(level);
  const ids = [streamId ? `stream=${String(streamId).slice(0, 8)}` : '', callId ? `call=${String(callId).slice(0, 8)}` : ''].filter(Boolean).join(' ');
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  const c = color ? (COLORS[Number(level)] ?? '') : '';
  const r = color ? '\x1b[0m' : '';
  return `${t} ${c}${lv}${r} ${ids ? `[${ids}] ` : ''}${String(msg ?? '')}${extra}\n`;
}

function prettyStream(out: NodeJS.WritableStream, color: boolean): Writable {
  let partial = '';
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l !== '') out.write(prettyLine(l, color));
      cb();
    },
  });
}

/**
 * Create the process logger.
 * @throws {ConfigError} `CONFIG_INVALID` when `level`, env `LOG_LEVEL` (read when `level` is
 * not given; empty counts as unset) or `tapLevel` is not one of {@link LOG_LEVELS}
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.destination ?? process.stdout;
  const isTty = (out as NodeJS.WriteStream).isTTY === true;
  const pretty = options.pretty ?? isTty;
  const level = options.level !== undefined ? checkLevel(options.level, 'level') : checkLevel(process.env.LOG_LEVEL || 'info', 'LOG_LEVEL');
  const tapLevel = checkLevel(options.tapLevel ?? 'debug', 'tapLevel');
  const dest = (pretty ? prettyStream(out, isTty) : out) as pino.DestinationStream;
  const numberKeys: ReadonlySet<string> = new Set(NUMBER_KEYS);
  // One redact pass: secrets are replaced, numbers masked (pino calls censor with the path).
  const censor = (value: unknown, path: string[]): unknown => (numberKeys.has(path[path.length - 1] ?? '') ? maskNumber(value) : '[redacted]');
  const paths = options.fullNumbers === true ? REDACT : [...REDACT, ...NUMBER_PATHS];
  const base = { redact: { paths, censor }, base: { pid: process.pid } };
  const onLine = options.onLine;
  if (onLine === undefined) return pino({ ...base, level }, dest);
  const tap = new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        onLine(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      } catch {
        // a line that does not parse is not worth breaking logging for
      }
      cb();
    },
  });
  // The logger runs at the lower of the two levels; each destination filters to its own.
  const min = pino.levels.values[tapLevel] ?? 20;
  const consoleMin = pino.levels.values[level] ?? 30;
  const loggerLevel = min < consoleMin ? tapLevel : level;
  const streams: pino.StreamEntry[] = [{ level: tapLevel as pino.Level, stream: tap }];
  if (level !== 'silent') streams.unshift({ level: level as pino.Level, stream: dest });
  return pino({ ...base, level: loggerLevel }, pino.multistream(streams));
}

/** A logger that drops everything (library default when none is given). */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Show only the first and last 4 characters of an identifier-like secret. */
export function maskSecret(value: string | undefined): string {
  if (value === undefined || value === '') return '(unset)';
  if (value.length <= 8) return '****';
  return `${value.slice(0, 4)}…${value.slice(-4)}`;
}
