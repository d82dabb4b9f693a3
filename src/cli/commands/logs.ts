/**
 * `callwire logs [ref]`: one stream's record and debug log from the store, by stream id,
 * call id or a unique stream-id prefix; without a ref, the most recent streams.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { CallwireError, isCallwireError } from '../../errors.js';
import { DEFAULT_DB_PATH, SqliteStreamStore } from '../../store/sqlite-store.js';
import type { LogLevel, StoredLogLine } from '../../store/types.js';
import { formatLogLine, formatStream, formatStreamList } from './logs-format.js';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
/** Log lines printed at most (the rest are counted in the header). */
const MAX_LINES = 100_000;

// Read-only first (never creates or locks anything); a file from an older callwire is
// opened writable once so its schema is upgraded, as the server would do.
function openStore(path: string): SqliteStreamStore {
  try {
    return new SqliteStreamStore({ path, readonly: true, retentionMs: null });
  } catch (e) {
    if (isCallwireError(e) && e.code === 'STORE_NOT_FOUND') {
      throw new CallwireError('STORE_NOT_FOUND', `no stream database at ${path} (start \`callwire serve\` first, or pass --db)`);
    }
    if (isCallwireError(e) && e.code === 'STORE_UNAVAILABLE' && /schema version/.test(e.message)) {
      return new SqliteStreamStore({ path, mustExist: true, retentionMs: null });
    }
    throw e;
  }
}

/** Visit every log line after `afterId`, page by page; resolves with the last id seen. */
async function eachLine(store: SqliteStreamStore, streamId: string, afterId: number, visit: (line: StoredLogLine) => void): Promise<number> {
  let last = afterId;
  for (;;) {
    const page = await store.logs(streamId, { limit: 5000, afterId: last });
    for (const l of page.lines) visit(l);
    last = page.lines[page.lines.length - 1]?.id ?? last;
    if (page.nextAfterId === undefined) return last;
  }
}

const atLeast = (min: LogLevel) => (l: StoredLogLine): boolean => LEVELS.indexOf(l.level) >= LEVELS.indexOf(min);

/** The lines to print (level-filtered, at most `limit`) and the id of the stream's last line overall. */
async function readLogs(store: SqliteStreamStore, streamId: string, minLevel: LogLevel, limit: number): Promise<{ lines: StoredLogLine[]; lastId: number }> {
  const shown = atLeast(minLevel);
  const lines: StoredLogLine[] = [];
  const lastId = await eachLine(store, streamId, 0, (l) => {
    if (shown(l) && lines.length < limit) lines.push(l);
  });
  return { lines, lastId };
}

/**
 * Print new log lines of a live stream as they are written, until it ends (or SIGINT).
 * Polls: SQLite has no change feed across processes, and WAL readers never block the writer.
 */
async function follow(store: SqliteStreamStore, streamId: string, startedAt: number, afterId: number, minLevel: LogLevel, intervalMs: number): Promise<void> {
  const shown = atLeast(minLevel);
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    let last = afterId;
    for (;;) {
      // Read the status first: lines written before the end are then still printed below.
      const ended = (await store.getStream(streamId))?.status !== 'live';
      last = await eachLine(store, streamId, last, (l) => {
        if (shown(l)) process.stdout.write(`${formatLogLine(l, startedAt)}\n`);
      });
      if (ended) break;
      await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted) return;
    }
    const s = await store.getStream(streamId);
    const how = s?.hangup === undefined ? '' : `: ${s.hangup.by}, ${s.hangup.reason}`;
    process.stdout.write(`-- stream ended${how}\n`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function positiveInt(name: string, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new CallwireError('CONFIG_INVALID', `${name} must be an integer 1-${max} (got ${v.slice(0, 20)})`);
    return n;
  };
}

/** The `logs` command. */
export function logsCommand(): Command {
  return new Command('logs')
    .description("show a stream's record (hangup, counters, callbacks, turns, latency, barge-ins) and its debug log")
    .argument('[ref]', 'stream id, call id, or a unique prefix of a stream id; omit to list recent streams')
    .option('--db <path>', `stream database (env CALLWIRE_DB, default ${DEFAULT_DB_PATH})`)
    .option('--json', 'print JSON instead of text')
    .addOption(new Option('--level <level>', 'only log lines at or above this level').choices(LEVELS).default('debug'))
    .option('--limit <n>', `log lines to print at most (default all), or streams to list (default 20)`, positiveInt('--limit', MAX_LINES))
    .option('-f, --follow', 'keep printing new log lines of a live stream until it ends (text only)')
    .option('--interval <ms>', 'how often --follow polls the database (default 500)', positiveInt('--interval', 60_000))
    .action(async (ref: string | undefined, flags: { db?: string; json?: boolean; level: LogLevel; limit?: number; follow?: boolean; interval?: number }) => {
      if (flags.follow && (flags.json || ref === undefined)) {
        throw new CallwireError('CONFIG_INVALID', '--follow needs a stream and prints text: use it with a ref and without --json');
      }
      const path = flags.db ?? process.env.CALLWIRE_DB ?? DEFAULT_DB_PATH;
      const store = openStore(path);
      try {
        if (ref === undefined) {
          const page = await store.listStreams({ limit: Math.min(flags.limit ?? 20, 500) });
          process.stdout.write(flags.json ? `${JSON.stringify(page.streams, null, 2)}\n` : `${formatStreamList(page.streams).join('\n')}\n`);
          return;
        }
        const streamId = await store.findStream(ref);
        const stream = streamId === undefined ? undefined : await store.getStream(streamId);
        if (stream === undefined) throw new CallwireError('STORE_NOT_FOUND', `no stream matches "${ref.slice(0, 80)}" in ${path}`);
        const { lines: logs, lastId } = await readLogs(store, stream.streamId, flags.level, flags.limit ?? MAX_LINES);
        process.stdout.write(flags.json ? `${JSON.stringify({ stream, logs }, null, 2)}\n` : `${formatStream(stream, logs).join('\n')}\n`);
        // Continue after the stream's last line, whether it was printed, filtered or cut by --limit.
        if (flags.follow) await follow(store, stream.streamId, stream.startedAt, lastId, flags.level, flags.interval ?? 500);
      } finally {
        await store.close();
      }
    });
}
