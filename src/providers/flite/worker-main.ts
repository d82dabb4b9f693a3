/**
 * The body of a flite worker thread. It is started from its own source text
 * (`fliteWorkerSource()`), not from a file, so one code path works when callwire runs from
 * `dist/` and from TypeScript sources under vitest or tsx. That is why the function is
 * self-contained: it may use only `require` and its own locals, never imports of this module.
 */
import type { FliteRequest, FliteResponse } from './protocol.js';

/** Runs inside the worker: answers each {@link FliteRequest} with a WAV file or an error. */
export function fliteWorkerMain(): void {
  // Node 20 prints "WASI is an experimental feature" when node:wasi loads. The warning is
  // about the API's stability (pinned by this file), and would otherwise end up on stderr
  // of every `callwire call --say`. Only this worker's warnings are filtered.
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes('WASI')) return;
    (emit as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;

  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { WASI } = require('node:wasi') as typeof import('node:wasi');
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const os = require('node:os') as typeof import('node:os');
  const data = workerData as { module: WebAssembly.Module; dir: string };
  // flite writes progress text to stdout on some errors; keep it off the parent's terminal.
  const devNull = fs.openSync(os.devNull, 'w');

  parentPort?.on('message', (req: FliteRequest) => {
    const name = `u${req.id}.wav`;
    const file = path.join(data.dir, name);
    let reply: FliteResponse;
    try {
      const wasi = new WASI({
        version: 'preview1',
        args: ['flite', '-voice', req.voice, '-t', req.text, '-o', `/out/${name}`],
        preopens: { '/out': data.dir },
        returnOnExit: true,
        stdout: devNull,
        stderr: devNull,
      });
      // A WASI instance runs _start once: each utterance gets a fresh instance of the
      // module compiled once by the parent.
      const instance = new WebAssembly.Instance(data.module, wasi.getImportObject() as WebAssembly.Imports);
      const code = wasi.start(instance);
      if (code !== 0) throw new Error(`flite exited with status ${code}`);
      const bytes = fs.readFileSync(file);
      const wav = new Uint8Array(bytes.byteLength);
      wav.set(bytes);
      reply = { id: req.id, ok: true, wav };
    } catch (e) {
      reply = { id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) };
    } finally {
      fs.rmSync(file, { force: true });
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
  return `var __name = (fn) => fn;\n(${fliteWorkerMain.toString()})();\n`;
}
