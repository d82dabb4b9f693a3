/**
 * The dozen WASI preview1 calls flite makes, implemented in memory: arguments, a clock,
 * discarded stdio and one preopened directory whose files are byte arrays.
 *
 * Why not `node:wasi`: in Node 20 every `WASI` instance opens its preopened directory and never
 * closes it, not even when the instance is collected or its worker thread ends, so each
 * utterance leaked a file descriptor for the life of the process (measured: 60 syntheses, 65
 * descriptors still open after the pool closed). It also needed a temporary directory on disk
 * and printed an experimental-feature warning. flite's imports are few (args, clock, fd
 * stat/read/write/seek/close, prestat, path_open, proc_exit), so serving them here costs less
 * than working around the leak.
 *
 * Like `fliteWorkerMain`, this function is self-contained: it is shipped to the worker thread
 * as source text, so it may use only its own locals.
 */

/** What {@link createMemWasi} returns. */
export interface MemWasi {
  /** The import object for `WebAssembly.Instance`. */
  readonly imports: WebAssembly.Imports;
  /** Run the command's `_start`; resolves to its exit status. */
  start(instance: WebAssembly.Instance): number;
  /** Contents of a file written under the preopened directory, by its path relative to it. */
  file(name: string): Uint8Array | undefined;
}

/**
 * A WASI environment for one run of a command module.
 * @param args argv, program name first
 * @param preopen the name of the one preopened directory (e.g. `/out`)
 */
export function createMemWasi(args: readonly string[], preopen: string): MemWasi {
  // Errno values from the preview1 spec (wasi_snapshot_preview1.witx).
  const OK = 0;
  const EBADF = 8;
  const EINVAL = 28;
  const EISDIR = 31;
  const ENOENT = 44;
  const ENOTDIR = 54;
  const CHAR_DEVICE = 2;
  const DIRECTORY = 3;
  const REGULAR_FILE = 4;
  const O_CREAT = 1;
  const O_DIRECTORY = 2;
  const O_TRUNC = 8;
  const ALL_RIGHTS = 0x1fffffffn;
  const DIR_FD = 3;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const argBytes = args.map((a) => encoder.encode(`${a}\0`));
  const preopenName = encoder.encode(preopen);

  interface OpenFile {
    readonly name: string;
    data: Uint8Array;
    size: number;
    pos: number;
  }
  const files = new Map<string, { data: Uint8Array; size: number }>();
  const open = new Map<number, OpenFile>();
  let nextFd = DIR_FD + 1;
  // The module's exported memory; views are made per call because memory.grow replaces the buffer.
  let memory: { readonly buffer: ArrayBuffer } | undefined;

  // proc_exit unwinds _start with this marker (a plain object: a class would need helpers
  // that transpilers emit into module scope, which the worker's source text does not have).
  const exitMarker = {};
  const view = (): DataView => new DataView((memory as { buffer: ArrayBuffer }).buffer);
  const bytes = (): Uint8Array => new Uint8Array((memory as { buffer: ArrayBuffer }).buffer);
  const isStdio = (fd: number): boolean => fd >= 0 && fd <= 2;

  function grow(f: OpenFile, end: number): void {
    if (end <= f.data.length) return;
    const next = new Uint8Array(Math.max(end, f.data.length * 2, 4096));
    next.set(f.data.subarray(0, f.size));
    f.data = next;
  }

  /** Visit each iovec of `(ptr, len)` pairs: `(address, length)`. */
  function iovecs(ptr: number, count: number, visit: (addr: number, len: number) => number): number {
    const v = view();
    let total = 0;
    for (let i = 0; i < count; i++) {
      const addr = v.getUint32(ptr + i * 8, true);
      const len = v.getUint32(ptr + i * 8 + 4, true);
      const done = visit(addr, len);
      total += done;
      if (done < len) break;
    }
    return total;
  }

  const wasi = {
    args_sizes_get(argcPtr: number, sizePtr: number): number {
      const v = view();
      v.setUint32(argcPtr, argBytes.length, true);
      v.setUint32(sizePtr, argBytes.reduce((n, a) => n + a.length, 0), true);
      return OK;
    },
    args_get(argvPtr: number, bufPtr: number): number {
      const v = view();
      const mem = bytes();
      let at = bufPtr;
      argBytes.forEach((a, i) => {
        v.setUint32(argvPtr + i * 4, at, true);
        mem.set(a, at);
        at += a.length;
      });
      return OK;
    },
    clock_time_get(id: number, _precision: bigint, timePtr: number): number {
      const ns = id === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();
      view().setBigUint64(timePtr, ns, true);
      return OK;
    },
    fd_prestat_get(fd: number, bufPtr: number): number {
      if (fd !== DIR_FD) return EBADF;
      const v = view();
      v.setUint8(bufPtr, 0); // preopentype: dir
      v.setUint32(bufPtr + 4, preopenName.length, true);
      return OK;
    },
    fd_prestat_dir_name(fd: number, pathPtr: number, pathLen: number): number {
      if (fd !== DIR_FD) return EBADF;
      bytes().set(preopenName.subarray(0, pathLen), pathPtr);
      return OK;
    },
    fd_fdstat_get(fd: number, bufPtr: number): number {
      let type: number;
      if (isStdio(fd)) type = CHAR_DEVICE;
      else if (fd === DIR_FD) type = DIRECTORY;
      else if (open.has(fd)) type = REGULAR_FILE;
      else return EBADF;
      const v = view();
      v.setUint8(bufPtr, type);
      v.setUint16(bufPtr + 2, 0, true);
      v.setBigUint64(bufPtr + 8, ALL_RIGHTS, true);
      v.setBigUint64(bufPtr + 16, ALL_RIGHTS, true);
      return OK;
    },
    fd_fdstat_set_flags(fd: number): number {
      return isStdio(fd) || fd === DIR_FD || open.has(fd) ? OK : EBADF;
    },
    path_open(dirFd: number, _dirFlags: number, pathPtr: number, pathLen: number, oflags: number, _rb: bigint, _ri: bigint, _fdflags: number, fdPtr: number): number {
      if (dirFd !== DIR_FD) return EBADF;
      if (oflags & O_DIRECTORY) return ENOTDIR;
      const name = decoder.decode(bytes().subarray(pathPtr, pathPtr + pathLen));
      if (name === '' || name === '.') return EISDIR;
      let stored = files.get(name);
      if (stored === undefined) {
        if (!(oflags & O_CREAT)) return ENOENT;
        stored = { data: new Uint8Array(0), size: 0 };
        files.set(name, stored);
      }
      if (oflags & O_TRUNC) stored.size = 0;
      const fd = nextFd++;
      open.set(fd, { name, data: stored.data, size: stored.size, pos: 0 });
      view().setUint32(fdPtr, fd, true);
      return OK;
    },
    fd_write(fd: number, iovsPtr: number, iovsLen: number, nwrittenPtr: number): number {
      const f = open.get(fd);
      if (f === undefined && !isStdio(fd)) return EBADF;
      const mem = bytes();
      const n = iovecs(iovsPtr, iovsLen, (addr, len) => {
        // stdout and stderr are discarded: flite prints only diagnostics there.
        if (f !== undefined) {
          grow(f, f.pos + len);
          f.data.set(mem.subarray(addr, addr + len), f.pos);
          f.pos += len;
          if (f.pos > f.size) f.size = f.pos;
        }
        return len;
      });
      view().setUint32(nwrittenPtr, n, true);
      return OK;
    },
    fd_read(fd: number, iovsPtr: number, iovsLen: number, nreadPtr: number): number {
      const f = open.get(fd);
      if (f === undefined && !isStdio(fd)) return EBADF;
      const mem = bytes();
      const n = iovecs(iovsPtr, iovsLen, (addr, len) => {
        if (f === undefined) return 0; // stdin is empty
        const take = Math.max(0, Math.min(len, f.size - f.pos));
        mem.set(f.data.subarray(f.pos, f.pos + take), addr);
        f.pos += take;
        return take;
      });
      view().setUint32(nreadPtr, n, true);
      return OK;
    },
    fd_seek(fd: number, offset: bigint, whence: number, newOffsetPtr: number): number {
      const f = open.get(fd);
      if (f === undefined) return EBADF;
      const base = whence === 0 ? 0 : whence === 1 ? f.pos : whence === 2 ? f.size : Number.NaN;
      const pos = base + Number(offset);
      if (!Number.isSafeInteger(pos) || pos < 0) return EINVAL;
      f.pos = pos;
      view().setBigUint64(newOffsetPtr, BigInt(pos), true);
      return OK;
    },
    fd_close(fd: number): number {
      const f = open.get(fd);
      if (f === undefined) return isStdio(fd) || fd === DIR_FD ? OK : EBADF;
      open.delete(fd);
      files.set(f.name, { data: f.data, size: f.size });
      return OK;
    },
    proc_exit(code: number): never {
      throw { marker: exitMarker, code };
    },
  };

  return {
    imports: { wasi_snapshot_preview1: wasi as unknown as Record<string, unknown> },
    start(instance: WebAssembly.Instance): number {
      memory = instance.exports.memory as { buffer: ArrayBuffer };
      try {
        (instance.exports._start as () => void)();
        return 0;
      } catch (e) {
        if (typeof e === 'object' && e !== null && (e as { marker?: unknown }).marker === exitMarker) return (e as { code: number }).code;
        throw e;
      }
    },
    file(name: string): Uint8Array | undefined {
      // An unclosed file counts too: its bytes are what was written.
      for (const f of open.values()) if (f.name === name) return f.data.slice(0, f.size);
      const stored = files.get(name);
      return stored === undefined ? undefined : stored.data.slice(0, stored.size);
    },
  };
}
