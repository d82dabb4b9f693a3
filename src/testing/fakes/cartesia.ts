/**
 * A fake Cartesia TTS WebSocket (`/tts/websocket`) on loopback, per
 * https://docs.cartesia.ai/api-reference/tts/websocket: generation requests keyed by
 * `context_id`; inputs with `continue: true` append to the context (every field but
 * `transcript`/`continue` must stay the same); an input with `continue: false` ends it;
 * `{context_id, cancel: true}` stops it. Responses: `chunk` (base64 `data`), `timestamps`
 * (`word_timestamps` with `add_timestamps`), `done`, and `error` events with `status_code`,
 * `error_code`, `title`, `message`. Auth by `Authorization: Bearer`, `X-API-Key` or
 * `?api_key`, with `Cartesia-Version` (header or `?cartesia_version`) required.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { type Clock, defaultClock } from '../../clock.js';
import type { AudioSpec } from '../../providers/types.js';
import { HttpHost, isOpen, sendJson } from './http-host.js';
import type { AudioPacing } from './paced-audio.js';
import { ContextRunner, type GeneratedChunk } from './tts-context-runner.js';
import { type ConnFault, TtsSocketFakeBase } from './tts-socket.js';
import { type FakeVoice, syntheticVoice, wordsEndingIn } from './tts-voice.js';

/** Options of {@link startFakeCartesia}. */
export interface FakeCartesiaOptions {
  /** Key clients must send; default `test-cartesia-key`. */
  readonly apiKey?: string;
  /** Accepted model ids; default sonic-2, sonic-3, sonic-turbo, sonic, sonic-latest. */
  readonly models?: readonly string[];
  readonly pacing?: AudioPacing;
  readonly voice?: FakeVoice;
  /** Concurrent contexts allowed per account; more get a 429 error event. Default 16. */
  readonly concurrencyLimit?: number;
  readonly clock?: Clock;
}

/** The fake; create with {@link startFakeCartesia}. */
export class FakeCartesia extends TtsSocketFakeBase {
  pacing: AudioPacing;
  voice: FakeVoice;
  readonly apiKey: string;
  readonly models: readonly string[];
  readonly concurrencyLimit: number;
  /** Contexts generating right now, across sockets. */
  active = 0;
  #rateLimited = 0;
  #host: HttpHost | undefined;

  constructor(options: FakeCartesiaOptions) {
    super(options.clock ?? defaultClock);
    this.apiKey = options.apiKey ?? 'test-cartesia-key';
    this.models = options.models ?? ['sonic-2', 'sonic-3', 'sonic-turbo', 'sonic', 'sonic-latest'];
    this.pacing = options.pacing ?? {};
    this.voice = options.voice ?? syntheticVoice;
    this.concurrencyLimit = options.concurrencyLimit ?? 16;
  }

  /** `http://127.0.0.1:<port>`: pass as `baseUrl` (the client derives ws://). */
  get baseUrl(): string {
    return this.#host?.httpUrl ?? '';
  }

  /** Answer the next `n` generation requests with a 429 `concurrency_limited` error event. */
  rateLimitNextContexts(n = 1): void {
    this.#rateLimited += n;
  }

  /** @internal */
  takeRateLimit(): boolean {
    if (this.#rateLimited <= 0) return false;
    this.#rateLimited--;
    return true;
  }

  /** @internal started by {@link startFakeCartesia} */
  async start(): Promise<void> {
    this.#host = await HttpHost.start({
      request: (req, res) => {
        // GET /voices/{id}: what verify() calls.
        const m = /^\/voices\/([^/?]+)/.exec(req.url ?? '');
        if (!this.#authorised(req, new URL(req.url ?? '/', 'http://fake'))) sendJson(res, 401, cartesiaHttpError('invalid_api_key', 'Unauthorized', 'Invalid API key.'));
        else if (m === null) sendJson(res, 404, cartesiaHttpError('not_found', 'Not found', 'Not found.'));
        else sendJson(res, 200, { id: decodeURIComponent(m[1] as string), name: 'Fake voice', language: 'en' });
      },
      upgrade: (req, accept, reject) => this.#upgrade(req, accept, reject),
    });
  }

  close(): Promise<void> {
    return this.#host?.close() ?? Promise.resolve();
  }

  #authorised(req: IncomingMessage, url: URL): boolean {
    const bearer = req.headers.authorization === `Bearer ${this.apiKey}`;
    return bearer || req.headers['x-api-key'] === this.apiKey || url.searchParams.get('api_key') === this.apiKey;
  }

  #upgrade(req: IncomingMessage, accept: (cb: (ws: WebSocket) => void) => void, reject: (status: number, body: string, headers?: Record<string, string>) => void): void {
    this.upgradeWith(req, accept, reject, {
      admit: (url) => {
        if (url.pathname !== '/tts/websocket') return { status: 404, body: cartesiaHttpError('not_found', 'Not found', 'Not found.') };
        if (!this.#authorised(req, url)) return { status: 401, body: cartesiaHttpError('invalid_api_key', 'Unauthorized', 'Invalid API key.') };
        if (url.searchParams.get('cartesia_version') === null && req.headers['cartesia-version'] === undefined) {
          return { status: 400, body: cartesiaHttpError('missing_version', 'Missing version', 'Send a Cartesia-Version header or ?cartesia_version.') };
        }
        return undefined;
      },
      validate: () => undefined,
      faultBody: (status) => cartesiaHttpError(status === 429 ? 'concurrency_limited' : 'scripted', 'Scripted failure', `Scripted ${status}.`),
      open: (ws, index) => new CartesiaSocket(this, ws, index, this.takeConnFault()),
    });
  }
}

interface Ctx {
  readonly id: string;
  readonly runner: ContextRunner;
  /** The request fields that must not change between inputs. */
  readonly fixed: string;
  readonly timestamps: boolean;
  text: string;
  ended: boolean;
  audioBytes: number;
}

class CartesiaSocket {
  readonly #fake: FakeCartesia;
  readonly #ws: WebSocket;
  readonly #index: number;
  readonly #fault: ConnFault;
  readonly #contexts = new Map<string, Ctx>();
  #sentBytes = 0;

  constructor(fake: FakeCartesia, ws: WebSocket, index: number, fault: ConnFault) {
    this.#fake = fake;
    this.#ws = ws;
    this.#index = index;
    this.#fault = fault;
    ws.on('message', (data: Buffer) => this.#onMessage(data));
    ws.on('close', (code: number) => {
      for (const c of [...this.#contexts.values()]) this.#end(c, 'dropped');
      fake.log.add({ dir: 'closed', at: fake.clock.now(), connection: index, code });
    });
  }

  #send(ctxId: string | undefined, kind: 'audio' | 'final' | 'timestamps' | 'error', msg: Record<string, unknown>, bytes = 0): void {
    if (!isOpen(this.#ws) || this.#fault.fired) return;
    this.#sentBytes += bytes;
    // The audio message that crosses a scripted fault's threshold performs it once sent.
    this.#ws.send(JSON.stringify(msg), bytes > 0 ? this.#fault.trigger(this.#ws, this.#sentBytes) : undefined);
    this.#fake.log.add({ dir: 'out', at: this.#fake.clock.now(), connection: this.#index, context: ctxId ?? '', kind, bytes });
  }

  #error(ctxId: string | undefined, status: number, code: string, title: string, message: string): void {
    this.#send(ctxId, 'error', { type: 'error', done: true, status_code: status, error_code: code, title, message, ...(ctxId === undefined ? {} : { context_id: ctxId }) });
  }

  #onMessage(data: Buffer): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    } catch {
      this.#error(undefined, 400, 'invalid_json', 'Invalid JSON', 'The message is not valid JSON.');
      return;
    }
    this.#fake.log.add({ dir: 'in', at: this.#fake.clock.now(), connection: this.#index, message: msg });
    const id = typeof msg.context_id === 'string' ? msg.context_id : undefined;
    if (msg.cancel === true) {
      const ctx = id === undefined ? undefined : this.#contexts.get(id);
      if (ctx !== undefined) this.#end(ctx, 'cancelled');
      return;
    }
    if (id === undefined) {
      this.#error(undefined, 400, 'missing_context_id', 'Missing context', 'context_id is required.');
      return;
    }
    const problem = this.#validate(msg);
    if (problem !== undefined) {
      this.#error(id, 400, 'invalid_request', 'Invalid request', problem);
      return;
    }
    const { transcript, continue: more, ...rest } = msg;
    const fixed = JSON.stringify(rest);
    let ctx = this.#contexts.get(id);
    if (ctx === undefined) {
      if (this.#fake.takeRateLimit() || this.#fake.active >= this.#fake.concurrencyLimit) {
        this.#error(id, 429, 'concurrency_limited', 'Too many concurrent requests', "You have exceeded your plan's concurrency limit.");
        return;
      }
      const spec = parseFormat(msg.output_format) as AudioSpec;
      ctx = { id, runner: new ContextRunner(this.#fake.clock, spec, this.#fake.voice, () => this.#fake.pacing), fixed, timestamps: msg.add_timestamps === true, text: '', ended: false, audioBytes: 0 };
      this.#contexts.set(id, ctx);
      this.#fake.active++;
    } else if (ctx.ended) {
      this.#error(id, 400, 'context_closed', 'Context closed', 'This context already received its last input.');
      return;
    } else if (ctx.fixed !== fixed) {
      this.#error(id, 400, 'context_mismatch', 'Context mismatch', 'Inputs on a context must keep all fields except transcript and continue the same.');
      return;
    }
    const text = typeof transcript === 'string' ? transcript : '';
    if (text !== '') {
      ctx.text += text;
      const c = ctx;
      ctx.runner.generate(text, (chunk) => this.#chunk(c, chunk));
    }
    if (more !== true) {
      ctx.ended = true;
      const c = ctx;
      ctx.runner.whenIdle(() => {
        // A connection that is being dropped says nothing more; its close marks the contexts dropped.
        if (this.#fault.fired || !isOpen(this.#ws)) return;
        this.#send(c.id, 'final', { type: 'done', done: true, status_code: 206, context_id: c.id });
        this.#end(c, 'done');
      });
    }
  }

  #validate(msg: Record<string, unknown>): string | undefined {
    if (typeof msg.model_id !== 'string' || !this.#fake.models.includes(msg.model_id)) return `Unknown model_id ${String(msg.model_id)}.`;
    const voice = msg.voice as { mode?: unknown; id?: unknown } | undefined;
    if (voice?.mode !== 'id' || typeof voice.id !== 'string' || voice.id === '') return 'voice must be {mode: "id", id}.';
    if (parseFormat(msg.output_format) === undefined) return 'The fake supports output_format {container: "raw", encoding: "pcm_mulaw" (8000) or "pcm_s16le", sample_rate}.';
    return undefined;
  }

  #chunk(ctx: Ctx, chunk: GeneratedChunk): void {
    if (!isOpen(this.#ws) || this.#fault.fired) return;
    // Timestamps go first so the fault (which fires after the chunk) never cuts them off.
    if (ctx.timestamps) {
      const words = wordsEndingIn(chunk.timings, chunk.fromMs, chunk.toMs, chunk.lastOfText);
      if (words.length > 0) {
        const off = chunk.contextOffsetMs;
        this.#send(ctx.id, 'timestamps', {
          type: 'timestamps',
          done: false,
          status_code: 206,
          context_id: ctx.id,
          word_timestamps: { words: words.map((w) => w.word), start: words.map((w) => (off + w.startMs) / 1000), end: words.map((w) => (off + w.endMs) / 1000) },
        });
      }
    }
    if (chunk.bytes.length === 0) return;
    ctx.audioBytes += chunk.bytes.length;
    this.#send(ctx.id, 'audio', { type: 'chunk', data: Buffer.from(chunk.bytes).toString('base64'), done: false, status_code: 206, step_time: 12, context_id: ctx.id }, chunk.bytes.length);
  }

  #end(ctx: Ctx, outcome: 'done' | 'cancelled' | 'dropped'): void {
    if (!this.#contexts.delete(ctx.id)) return;
    ctx.runner.cancel();
    this.#fake.active--;
    this.#fake.contexts.add({ connection: this.#index, id: ctx.id, text: ctx.text, outcome, audioBytes: ctx.audioBytes });
  }
}

function parseFormat(f: unknown): AudioSpec | undefined {
  const o = f as { container?: unknown; encoding?: unknown; sample_rate?: unknown } | undefined;
  if (o?.container !== 'raw' || typeof o.sample_rate !== 'number') return undefined;
  if (o.encoding === 'pcm_mulaw' && o.sample_rate === 8000) return { encoding: 'mulaw', sampleRate: 8000 };
  if (o.encoding === 'pcm_s16le' && [8000, 16000, 22050, 24000, 44100].includes(o.sample_rate)) return { encoding: 'pcm16', sampleRate: o.sample_rate };
  return undefined;
}

/** Cartesia's HTTP error object (`Cartesia-Version: 2026-03-01` and later). */
export function cartesiaHttpError(code: string, title: string, message: string): Record<string, string> {
  return { error_code: code, title, message, request_id: '00000000-0000-4000-8000-000000000000' };
}

/** Start a fake Cartesia on 127.0.0.1 (port 0). */
export async function startFakeCartesia(options: FakeCartesiaOptions = {}): Promise<FakeCartesia> {
  const fake = new FakeCartesia(options);
  await fake.start();
  return fake;
}
