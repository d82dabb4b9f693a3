/**
 * The body of a flite worker thread. It is started from its own source text
 * (`fliteWorkerSource()`), not from a file, so one code path works when callwire runs from
 * `dist/` and from TypeScript sources under vitest or tsx. That is why the function is
 * self-contained: it may use only `require`, its own locals and the WASI factory it is handed
 * (shipped as source text beside it), never imports of this module.
 */
import { createMemWasi } from './mem-wasi.js';
import type { FliteRequest, FliteResponse } from './protocol.js';

/** Runs inside the worker: answers each {@link FliteRequest} with a WAV file or an error. */
export function fliteWorkerMain(makeWasi: typeof createMemWasi): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const data = workerData as { module: WebAssembly.Module };

  parentPort?.on('message', (req: FliteRequest) => {
    const name = `u${req.id}.wav`;
    let reply: FliteResponse;
    try {
      const wasi = makeWasi(['flite', '-voice', req.voice, '-t', req.text, '-o', `/out/${name}`], '/out');
      // A command module runs _start once: each utterance gets a fresh instance of the
      // module compiled once by the parent.
      const instance = new WebAssembly.Instance(data.module, wasi.imports);
      const code = wasi.start(instance);
      if (code !== 0) throw new Error(`flite exited with status ${code}`);
      const wav = wasi.file(name);
      if (wav === undefined) throw new Error('flite wrote no audio');
      reply = { id: req.id, ok: true, wav };
    } catch (e) {
      reply = { id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) };
    }
    if (reply.ok) parentPort?.postMessage(reply, [reply.wav.buffer as ArrayBuffer]);
    else parentPort?.postMessage(reply);
  });
}

/**
 * The worker's source text. Bundlers and tsx (esbuild `keepNames`) may wrap functions in a
 * `__name(fn, "name")` helper that exists only in the module scope, so a no-op is provided.
 */
export function fliteWorkerSource(): string {
  return `var __name = (fn) => fn;\n(${fliteWorkerMain.toString()})(${createMemWasi.toString()});\n`;
}
