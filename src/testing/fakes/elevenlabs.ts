/**
 * A fake ElevenLabs multi-context TTS WebSocket
 * (`/v1/text-to-speech/{voice_id}/multi-stream-input`) on loopback, following the AsyncAPI
 * schema in ElevenLabs' reference: contexts created by `{text:" ", context_id}` (or their
 * first text), text buffered per context and generated on `flush`, on a sentence end in
 * `auto_mode`, or by `chunk_length_schedule`; `close_context` ends a context (after its flush,
 * or at once, dropping unsaid text); `isFinal` marks the end of a context; `close_socket`
 * ends all. Audio is base64 `audio` with `alignment`/`normalizedAlignment` and `contextId`.
 * Enforces `xi-api-key`, 5 contexts per socket, unchanged `voice_settings` (1008 otherwise).
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { type Clock, defaultClock } from '../../clock.js';
import type { AudioSpec } from '../../providers/types.js';
import { HttpHost, isOpen, sendJson } from './http-host.js';
import type { AudioPacing } from './paced-audio.js';
import { ContextRunner, type GeneratedChunk } from './tts-context-runner.js';
import { type ConnFault, TtsSocketFakeBase } from './tts-socket.js';
import { type FakeVoice, charsIn, syntheticVoice } from './tts-voice.js';

/** Options of {@link startFakeElevenLabs}. */
export interface FakeElevenLabsOptions {
  /** Key clients must send; default `test-elevenlabs-key`. */
  readonly apiKey?: string;
  /** Known voice ids (404 for others); default: any id. */
  readonly voices?: readonly string[];
  readonly pacing?: AudioPacing;
  readonly voice?: FakeVoice;
  readonly clock?: Clock;
}

const MAX_CONTEXTS = 5;
const DEFAULT_SCHEDULE = [120, 160, 250, 290];

/** The fake; create with {@link startFakeElevenLabs}. */
export class FakeElevenLabs extends TtsSocketFakeBase {
  /** Pacing of generated audio (mutable). */
  pacing: AudioPacing;
  voice: FakeVoice;
  readonly apiKey: string;
  readonly #voices: readonly string[] | undefined;
  #host: HttpHost | undefined;

  constructor(options: FakeElevenLabsOptions) {
    super(options.clock ?? defaultClock);
    this.apiKey = options.apiKey ?? 'test-elevenlabs-key';
    this.pacing = options.pacing ?? {};
    this.voice = options.voice ?? syntheticVoice;
    this.#voices = options.voices;
  }

  /** `http://127.0.0.1:<port>`: pass as `baseUrl` (the client derives ws://). */
  get baseUrl(): string {
    return this.#host?.httpUrl ?? '';
  }

  /** @internal started by {@link startFakeElevenLabs} */
  async start(): Promise<void> {
    this.#host = await HttpHost.start({
      request: (req, res) => {
        // GET /v1/voices/{id}: what verify() calls.
        const m = /^\/v1\/voices\/([^/?]+)/.exec(req.url ?? '');
        if (req.headers['xi-api-key'] !== this.apiKey) sendJson(res, 401, elevenLabsError('invalid_api_key', 'Invalid API key'));
        else if (m === null || !this.#knownVoice(decodeURIComponent(m[1] as string))) sendJson(res, 404, elevenLabsError('voice_not_found', 'A voice with this voice_id was not found.'));
        else sendJson(res, 200, { voice_id: decodeURIComponent(m[1] as string), name: 'Fake voice' });
      },
      upgrade: (req, accept, reject) => this.#upgrade(req, accept, reject),
    });
  }

  close(): Promise<void> {
    return this.#host?.close() ?? Promise.resolve();
  }

  #knownVoice(id: string): boolean {
    return this.#voices === undefined || this.#voices.includes(id);
  }

  #upgrade(req: IncomingMessage, accept: (cb: (ws: WebSocket) => void) => void, reject: (status: number, body: string, headers?: Record<string, string>) => void): void {
    let voice = '';
    let spec: AudioSpec | undefined;
    this.upgradeWith(req, accept, reject, {
      admit: (url) => {
        const m = /^\/v1\/text-to-speech\/([^/]+)\/multi-stream-input$/.exec(url.pathname);
        if (m === null) return { status: 404, body: elevenLabsError('not_found', 'Not found') };
        voice = decodeURIComponent(m[1] as string);
        const key = req.headers['xi-api-key'] ?? url.searchParams.get('authorization')?.replace(/^Bearer /, '');
        return key === this.apiKey ? undefined : { status: 401, body: elevenLabsError('invalid_api_key', 'Invalid API key') };
      },
      validate: (url) => {
        if (!this.#knownVoice(voice)) return { status: 404, body: elevenLabsError('voice_not_found', 'A voice with this voice_id was not found.') };
        spec = parseOutputFormat(url.searchParams.get('output_format') ?? 'mp3_44100_128');
        return spec === undefined ? { status: 400, body: elevenLabsError('invalid_output_format', 'The fake produces ulaw_8000 and pcm_* only.') } : undefined;
      },
      faultBody: (status) => elevenLabsError(status === 429 ? 'too_many_concurrent_requests' : 'error', 'Scripted failure'),
      open: (ws, index, url) => new ElevenLabsSocket(this, ws, index, spec as AudioSpec, url.searchParams, this.takeConnFault()),
    });
  }
}

interface Ctx {
  readonly id: string;
  readonly runner: ContextRunner;
  text: string;
  buffer: string;
  scheduleStep: number;
  flushed: boolean;
  closing: boolean;
  audioBytes: number;
}

/** One accepted socket. */
class ElevenLabsSocket {
  readonly #fake: FakeElevenLabs;
  readonly #ws: WebSocket;
  readonly #index: number;
  readonly #spec: AudioSpec;
  readonly #autoMode: boolean;
  readonly #fault: ConnFault;
  readonly #contexts = new Map<string, Ctx>();
  #voiceSettings: string | undefined;
  #messages = 0;
  #sentBytes = 0;
  #closingSocket = false;

  constructor(fake: FakeElevenLabs, ws: WebSocket, index: number, spec: AudioSpec, q: URLSearchParams, fault: ConnFault) {
    this.#fake = fake;
    this.#ws = ws;
    this.#index = index;
    this.#spec = spec;
    this.#autoMode = q.get('auto_mode') === 'true';
    this.#fault = fault;
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on('close', (code: number) => {
      for (const c of this.#contexts.values()) this.#end(c, 'dropped');
      fake.log.add({ dir: 'closed', at: fake.clock.now(), connection: index, code });
    });
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    const fake = this.#fake;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (isBinary || typeof msg !== 'object' || msg === null) throw new Error('not an object');
    } catch {
      this.#ws.close(1008, 'Invalid message: expected a JSON object.');
      return;
    }
    fake.log.add({ dir: 'in', at: fake.clock.now(), connection: this.#index, message: msg });
    const first = this.#messages++ === 0;
    if (msg.voice_settings !== undefined) {
      const vs = JSON.stringify(msg.voice_settings);
      if (!first && this.#voiceSettings !== vs) {
        this.#ws.close(1008, 'voice_settings field must be provided in the first message and then either be not provided or not change.');
        return;
      }
      this.#voiceSettings = vs;
    }
    if (msg.close_socket === true) {
      this.#closingSocket = true;
      for (const c of [...this.#contexts.values()]) this.#close(c, true);
      this.#maybeCloseSocket();
      return;
    }
    const id = typeof msg.context_id === 'string' ? msg.context_id : 'default';
    let ctx = this.#contexts.get(id);
    if (msg.close_context === true) {
      if (ctx !== undefined) this.#close(ctx, ctx.flushed);
      return;
    }
    const text = typeof msg.text === 'string' ? msg.text : undefined;
    if (ctx === undefined) {
      if (text === '' || text === undefined) return; // socket keep-alive, or flush of an unknown context
      if (this.#contexts.size >= MAX_CONTEXTS) {
        this.#ws.close(1008, `Maximum number of concurrent contexts (${MAX_CONTEXTS}) exceeded.`);
        return;
      }
      ctx = { id, runner: new ContextRunner(fake.clock, this.#spec, fake.voice, () => fake.pacing), text: '', buffer: '', scheduleStep: 0, flushed: false, closing: false, audioBytes: 0 };
      this.#contexts.set(id, ctx);
    }
    if (ctx.closing) return;
    if (text !== undefined && text !== '' && text !== ' ') {
      ctx.text += text;
      ctx.buffer += text;
    }
    const schedule = (msg.generation_config as { chunk_length_schedule?: number[] } | undefined)?.chunk_length_schedule;
    if (msg.flush === true) {
      ctx.flushed = true;
      this.#generate(ctx, ctx.buffer);
      ctx.buffer = '';
    } else this.#generateReady(ctx, schedule ?? DEFAULT_SCHEDULE);
  }

  /** Generate what the buffer policy allows: whole sentences in auto mode, else by schedule. */
  #generateReady(ctx: Ctx, schedule: readonly number[]): void {
    if (this.#autoMode) {
      const m = /^[\s\S]*[.!?](\s|$)/.exec(ctx.buffer);
      if (m !== null) {
        this.#generate(ctx, m[0]);
        ctx.buffer = ctx.buffer.slice(m[0].length);
      }
      return;
    }
    const need = schedule[Math.min(ctx.scheduleStep, schedule.length - 1)] ?? 120;
    if (ctx.buffer.length >= need) {
      ctx.scheduleStep++;
      this.#generate(ctx, ctx.buffer);
      ctx.buffer = '';
    }
  }

  #generate(ctx: Ctx, text: string): void {
    if (text.trim() === '') return;
    ctx.runner.generate(text, (chunk) => this.#sendAudio(ctx, chunk));
  }

  #sendAudio(ctx: Ctx, chunk: GeneratedChunk): void {
    if (!isOpen(this.#ws) || this.#fault.fired || chunk.bytes.length === 0) return;
    const a = charsIn(chunk.timings, chunk.fromMs, chunk.toMs, chunk.lastOfText);
    const alignment = { chars: a.chars, charStartTimesMs: a.startMs, charDurationsMs: a.durationMs };
    ctx.audioBytes += chunk.bytes.length;
    this.#sentBytes += chunk.bytes.length;
    const json = JSON.stringify({ audio: Buffer.from(chunk.bytes).toString('base64'), normalizedAlignment: alignment, alignment, contextId: ctx.id });
    this.#ws.send(json, this.#fault.trigger(this.#ws, this.#sentBytes));
    this.#fake.log.add({ dir: 'out', at: this.#fake.clock.now(), connection: this.#index, context: ctx.id, kind: 'audio', bytes: chunk.bytes.length });
  }

  /** close_context: after a flush, finish generating then send isFinal; otherwise stop now. */
  #close(ctx: Ctx, graceful: boolean): void {
    ctx.closing = true;
    if (!graceful) {
      ctx.runner.cancel();
      this.#final(ctx, 'cancelled');
      return;
    }
    if (ctx.buffer.trim() !== '') this.#generate(ctx, ctx.buffer);
    ctx.buffer = '';
    ctx.runner.whenIdle(() => this.#final(ctx, 'done'));
  }

  #final(ctx: Ctx, outcome: 'done' | 'cancelled'): void {
    // A connection that is being dropped says nothing more; its close marks the contexts dropped.
    if (this.#fault.fired) return;
    if (isOpen(this.#ws)) {
      this.#ws.send(JSON.stringify({ isFinal: true, contextId: ctx.id }));
      this.#fake.log.add({ dir: 'out', at: this.#fake.clock.now(), connection: this.#index, context: ctx.id, kind: 'final', bytes: 0 });
    }
    this.#end(ctx, outcome);
    this.#maybeCloseSocket();
  }

  #end(ctx: Ctx, outcome: 'done' | 'cancelled' | 'dropped'): void {
    if (!this.#contexts.delete(ctx.id)) return;
    ctx.runner.cancel();
    this.#fake.contexts.add({ connection: this.#index, id: ctx.id, text: ctx.text, outcome, audioBytes: ctx.audioBytes });
  }

  #maybeCloseSocket(): void {
    if (this.#closingSocket && this.#contexts.size === 0 && isOpen(this.#ws)) this.#ws.close(1000);
  }
}

/** ElevenLabs' error body shape. */
export function elevenLabsError(status: string, message: string): { detail: { status: string; message: string } } {
  return { detail: { status, message } };
}

function parseOutputFormat(f: string): AudioSpec | undefined {
  if (f === 'ulaw_8000') return { encoding: 'mulaw', sampleRate: 8000 };
  const m = /^pcm_(8000|16000|22050|24000|44100)$/.exec(f);
  return m === null ? undefined : { encoding: 'pcm16', sampleRate: Number(m[1]) };
}

/** Start a fake ElevenLabs on 127.0.0.1 (port 0). */
export async function startFakeElevenLabs(options: FakeElevenLabsOptions = {}): Promise<FakeElevenLabs> {
  const fake = new FakeElevenLabs(options);
  await fake.start();
  return fake;
}
