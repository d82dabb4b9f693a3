// The hostile-client harness: a real server (echo agent) whose log lines are captured, and a
// healthy call that streams numbered frames through every attack and checks, at the end,
// that the server received each one and echoed each one back in order: "no other live call
// loses a frame". Stream objects are only held weakly, so a test can check they are released.
import { echoHandler } from '../../src/stream/echo.js';
import { createLogger } from '../../src/log/logger.js';
import type { ServerOptions } from '../../src/server/options.js';
import type { CallStream } from '../../src/stream/call-stream.js';
import type { StreamCounters } from '../../src/stream/types.js';
import { type TestServer, startServer } from '../support/server.js';
import { StreamClient } from '../support/stream-client.js';

/** A captured log line. */
export type LogLine = Readonly<Record<string, unknown>> & { readonly msg?: string; readonly code?: string; readonly count?: number; readonly level: number };

/** The server under attack. */
export interface Target {
  readonly srv: TestServer;
  readonly logs: LogLine[];
  /** Warnings (codes) per stream, by the stream's local id. */
  readonly warnings: Map<string, string[]>;
  /** Every stream the server accepted, weakly. */
  readonly refs: WeakRef<CallStream>[];
  /** Upgrade and request signing for clients, when the server checks signatures. */
  readonly authToken: string | undefined;
  /** Log lines carrying `code`. */
  linesFor(code: string): LogLine[];
  close(): Promise<void>;
}

/**
 * Start a server that echoes every call (or hands it to `handle`, with the order it came in:
 * the healthy call is 0 when it starts first) and records its log lines (info and up).
 */
export async function startTarget(options: ServerOptions = {}, handle: (call: CallStream, index: number) => void | Promise<void> = echoHandler): Promise<Target> {
  let streams = 0;
  const logs: LogLine[] = [];
  const warnings = new Map<string, string[]>();
  const refs: WeakRef<CallStream>[] = [];
  const logger = createLogger({ level: 'silent', onLine: (l) => logs.push(l as LogLine), tapLevel: 'info' });
  const srv = await startServer({
    logger,
    ...options,
    onStream: (call) => {
      refs.push(new WeakRef(call));
      const list: string[] = [];
      warnings.set(call.id, list);
      call.on('warning', (w) => list.push(w.error.code));
      return handle(call, streams++);
    },
  });
  return {
    srv,
    logs,
    warnings,
    refs,
    authToken: options.authToken,
    linesFor: (code) => logs.filter((l) => l.code === code),
    close: () => srv.close(),
  };
}

/** How many lines a sampled log writes for `n` occurrences: the 1st, 10th, 100th, ... */
export function sampledLines(n: number): number {
  return n <= 0 ? 0 : Math.floor(Math.log10(n)) + 1;
}

function frameOf(i: number): Uint8Array {
  const f = new Uint8Array(160).fill(0x7f);
  f[0] = i & 0xff;
  f[1] = (i >> 8) & 0xff;
  return f;
}

/** A well-behaved call: one numbered frame every 20 ms, echoed back by the server. */
export class HealthyCall {
  readonly client: StreamClient;
  readonly #target: Target;
  #sent = 0;
  #timer: NodeJS.Timeout | undefined;

  private constructor(target: Target, client: StreamClient) {
    this.#target = target;
    this.client = client;
  }

  static async start(target: Target): Promise<HealthyCall> {
    const client = await StreamClient.connect(target.srv.streamUrl, { authToken: target.authToken });
    client.start();
    const call = new HealthyCall(target, client);
    call.#timer = setInterval(() => client.media(frameOf(call.#sent++)), 20);
    return call;
  }

  /** The server's side of this call (while it is live). */
  get stream(): CallStream | undefined {
    for (const s of this.#target.srv.server.streams) if (s.info?.streamId === this.client.streamId) return s;
    return undefined;
  }

  /**
   * Stop sending; every frame sent must have reached the server (counted, no gaps, no bad
   * frames) and come back, in order. Then hang up.
   */
  async finish(): Promise<{ sent: number; counters: StreamCounters }> {
    clearInterval(this.#timer);
    const sent = this.#sent;
    const c = this.client;
    await c.waitFor(() => c.audioFrames.length >= sent, 30_000, `${sent} echoed frames (got ${c.audioFrames.length})`);
    const echoed = c.audioFrames.map((r) => {
      const a = (r.msg as { audio: Uint8Array }).audio;
      return (a[0] as number) | ((a[1] as number) << 8);
    });
    const expected = Array.from({ length: sent }, (_, i) => i & 0xffff);
    if (JSON.stringify(echoed) !== JSON.stringify(expected)) throw new Error(`the healthy call's echo differs from what it sent (${echoed.length} vs ${sent} frames)`);
    const counters = { ...(this.stream?.counters as StreamCounters) };
    if (c.closed !== undefined) throw new Error(`the healthy call was closed: ${JSON.stringify(c.closed)}`);
    await c.close();
    return { sent, counters };
  }
}

/**
 * Run `attack` while a healthy call streams (from before it starts to a while after it
 * ends); then check the healthy call lost nothing. Returns the attack's result.
 */
export async function alongsideHealthyCall<T>(target: Target, attack: () => Promise<T>): Promise<T> {
  const healthy = await HealthyCall.start(target);
  await new Promise((r) => setTimeout(r, 200));
  const result = await attack();
  await new Promise((r) => setTimeout(r, 300));
  const { sent, counters } = await healthy.finish();
  if (sent < 20) throw new Error(`the healthy call sent only ${sent} frames`);
  const lost = { framesIn: counters.framesIn - sent, gaps: counters.gaps, badFrames: counters.badFrames, lateFrames: counters.lateFrames };
  if (lost.framesIn !== 0 || lost.gaps !== 0 || lost.badFrames !== 0 || lost.lateFrames !== 0) throw new Error(`the healthy call was disturbed: ${JSON.stringify(lost)}`);
  return result;
}
