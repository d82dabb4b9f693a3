/**
 * `callwire logs [ref]`: one stream's record and debug log from the store, by stream id,
 * call id or a unique stream-id prefix; without a ref, the most recent streams.
 */
import { Command, Option } from 'commander';
import { CallwireError, isCallwireError } from '../../errors.js';
import { DEFAULT_DB_PATH, SqliteStreamStore } from '../../store/sqlite-store.js';
import type { LogLevel, StoredLogLine } from '../../store/types.js';
import { formatStream, formatStreamList } from './logs-format.js';

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

async function allLogs(store: SqliteStreamStore, streamId: string, minLevel: LogLevel, limit: number): Promise<StoredLogLine[]> {
  const min = LEVELS.indexOf(minLevel);
  const lines: StoredLogLine[] = [];
  let afterId: number | undefined;
  while (lines.length < limit) {
    const page = await store.logs(streamId, { limit: 5000, ...(afterId === undefined ? {} : { afterId }) });
    for (const l of page.lines) if (LEVELS.indexOf(l.level) >= min && lines.length < limit) lines.push(l);
    if (page.nextAfterId === undefined) break;
    afterId = page.nextAfterId;
  }
  return lines;
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
    .action(async (ref: string | undefined, flags: { db?: string; json?: boolean; level: LogLevel; limit?: number }) => {
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
        const logs = await allLogs(store, stream.streamId, flags.level, flags.limit ?? MAX_LINES);
        process.stdout.write(flags.json ? `${JSON.stringify({ stream, logs }, null, 2)}\n` : `${formatStream(stream, logs).join('\n')}\n`);
      } finally {
        await store.close();
      }
    });
}
