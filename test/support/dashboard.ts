// A real callwire server with a real SQLite file, the built-in agent, recordings and the
// dashboard mounted, for the dashboard tests; and a standard emulated call against it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { builtinAgent } from '../../src/agent/builtin.js';
import { type Clock, scaledClock } from '../../src/clock.js';
import { type Dashboard, type DashboardOptions, mountDashboard } from '../../src/dashboard/index.js';
import { startCall } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log/logger.js';
import type { ServerOptions } from '../../src/server/options.js';
import { type CallwireServer, createServer } from '../../src/server/server.js';
import { storeLogTap } from '../../src/server/store-glue.js';
import { SqliteStreamStore } from '../../src/store/index.js';
import { Pacer } from '../../src/stream/pacer.js';

/** A server with the dashboard. */
export interface DashboardServer {
  readonly server: CallwireServer;
  readonly dashboard: Dashboard;
  readonly store: SqliteStreamStore;
  readonly dbPath: string;
  /** http://127.0.0.1:port (also when bound to 0.0.0.0). */
  readonly http: string;
  /** Every log line the server wrote (to check what is and is not logged). */
  readonly logText: () => string;
  close(): Promise<void>;
}

/** Options: where to bind, the dashboard's, the server's, and how fast emulated calls run. */
export interface DashboardServerOptions {
  readonly host?: string;
  readonly dashboard?: DashboardOptions;
  readonly server?: ServerOptions;
  readonly greeting?: string;
  /** Run the server's clock this much faster (emulated calls pass the same `speed`). */
  readonly speed?: number;
}

export async function startDashboardServer(o: DashboardServerOptions = {}): Promise<DashboardServer> {
  const dir = mkdtempSync(join(tmpdir(), 'callwire-dash-'));
  const dbPath = join(dir, 'callwire.db');
  const store = new SqliteStreamStore({ path: dbPath });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const clock: Clock | undefined = o.speed !== undefined && o.speed !== 1 ? scaledClock(o.speed) : undefined;
  const server = createServer({
    agent: builtinAgent({ greeting: o.greeting ?? 'Hi there.' }),
    store,
    recording: { dir: join(dir, 'recordings') },
    logger: createLogger({ level: 'info', destination: sink, onLine: storeLogTap(store) }),
    ...(clock !== undefined ? { clock, pacer: new Pacer(clock, 10) } : {}),
    ...o.server,
  });
  const dashboard = mountDashboard(server, o.dashboard);
  const { port } = await server.listen(0, o.host ?? '127.0.0.1');
  return {
    server,
    dashboard,
    store,
    dbPath,
    http: `http://127.0.0.1:${port}`,
    logText: () => lines.join(''),
    close: async () => {
      dashboard.close();
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a finished call left. */
export interface FinishedCall {
  readonly streamId: string;
  readonly callId: string;
}

/**
 * One emulated call through the answer URL: wait out the greeting, say `text`, hear the
 * echo, hang up. `beforeHangup` runs while the call is still live.
 */
export async function emulatedCall(
  http: string,
  options: { from?: string; to?: string; text?: string; speed?: number; headers?: Record<string, string>; beforeHangup?: (streamId: string) => Promise<void> } = {},
): Promise<FinishedCall> {
  const call = await startCall({ answerUrl: `${http}/plivo/answer`, from: options.from ?? '+14155550100', to: options.to ?? '+14155550199', speed: options.speed ?? 1 });
  await call.waitForBotSpeech({ timeoutMs: 20_000 });
  await call.waitForBotSilence(400, { timeoutMs: 20_000 });
  await call.say(options.text ?? 'hello from the test');
  await call.waitForBotSpeech({ timeoutMs: 20_000 });
  await call.waitForBotSilence(800, { timeoutMs: 30_000 });
  const streamId = call.streamIds[0] as string;
  await options.beforeHangup?.(streamId);
  await call.hangup();
  // The caller's side is done; wait for the server to have ended the stream too.
  await until(async () => ((await (await fetch(`${http}/api/streams/${streamId}`, { headers: options.headers ?? {} })).json()) as { status?: string }).status === 'ended', `stream ${streamId} to end`);
  return { streamId, callId: call.callId };
}

/** Poll an async condition until it holds. */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
