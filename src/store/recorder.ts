/**
 * Call recording (opt-in): one stereo PCM16 WAV per call, caller on the left, bot on the
 * right, aligned in time. The caller's audio is the clock: every inbound sample advances the
 * timeline, and bot audio is placed on it where it was heard (by default right after the
 * previous bot audio, or now if the bot was quiet, which is how Plivo plays a buffer).
 *
 * It streams to disk: audio is written in ~0.5 s slices as the call goes, the header is
 * patched with the real sizes at close (until then its sizes read "unknown length", which
 * WAV readers accept, so a crash leaves a playable file). Disk errors never reach the call:
 * they stop the recording, are counted, and are reported by {@link CallRecorder.close}.
 */
import { createHash } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pcmToL16 } from '../audio/pcm.js';
import { encodeWav, interleaveStereo } from '../audio/wav.js';
import { AudioError, CallwireError, ConfigError } from '../errors.js';
import type { StreamStore } from './types.js';

/** Where recordings go unless told otherwise. */
export const DEFAULT_RECORDINGS_DIR = 'data/recordings';

/** Options of {@link CallRecorder.open}. */
export interface CallRecorderOptions {
  readonly streamId: string;
  /** Rate of both sides' PCM16 (the call's rate, e.g. 8000). */
  readonly sampleRate: number;
  /** Directory for `<streamId>.wav`; default {@link DEFAULT_RECORDINGS_DIR}. */
  readonly dir?: string;
  /** Exact file path instead of `dir`/`<streamId>.wav`. */
  readonly path?: string;
  /** Registers the file with the stream's record. */
  readonly store?: StreamStore;
  /** Bot audio accepted ahead of the caller's timeline, 0 to 3 600 000 ms; default 60 s (more is dropped and counted). */
  readonly maxAheadMs?: number;
  /** Bytes waiting for the disk before audio is dropped, a whole number up to 1 GiB; default 4 MiB (about 2 min at 8 kHz). */
  readonly maxPendingBytes?: number;
  /**
   * Timeline kept in memory behind the caller's position, 0 to 10 000 ms; default 0. For bot
   * audio that arrives just after the caller's audio for the same moment (Plivo's outbound
   * track, audioTrack="both"): without it a frame straddling a write is dropped.
   */
  readonly holdBackMs?: number;
}

/** What a finished recording holds. */
export interface RecordingResult {
  readonly path: string;
  /** Length of the call's timeline. */
  readonly durationMs: number;
  /** Length of audio in the file: `durationMs`, or less when the disk failed. */
  readonly recordedMs: number;
  readonly bytes: number;
  /**
   * Audio discarded although the disk worked: bot audio placed outside the window it can
   * go, and slices skipped while the disk was far behind (those read back as silence).
   */
  readonly droppedMs: number;
  /** Set when the disk failed (the file then ends at `recordedMs`). */
  readonly error?: CallwireError;
}

// Bounds of the two limits: past them an option is a units mistake, not a choice (and an
// hour ahead is already a large buffer at a high rate).
const MAX_AHEAD_MS = 3_600_000;
const MAX_PENDING_BYTES = 1024 * 1024 * 1024;

const MAX_HOLD_BACK_MS = 10_000;

/** Refuse limits the recorder cannot work with: NaN ahead made every bot() a RangeError. */
function checkLimits(o: CallRecorderOptions): void {
  const bad = (name: string, value: unknown, expected: string): never => {
    throw new ConfigError('CONFIG_INVALID', `recording ${name} must be ${expected} (got ${String(value)})`);
  };
  const ahead = o.maxAheadMs;
  if (ahead !== undefined && !(Number.isFinite(ahead) && ahead >= 0 && ahead <= MAX_AHEAD_MS)) bad('maxAheadMs', ahead, `0 to ${MAX_AHEAD_MS} ms`);
  const hold = o.holdBackMs;
  if (hold !== undefined && !(Number.isFinite(hold) && hold >= 0 && hold <= MAX_HOLD_BACK_MS)) bad('holdBackMs', hold, `0 to ${MAX_HOLD_BACK_MS} ms`);
  const pending = o.maxPendingBytes;
  if (pending !== undefined && !(Number.isInteger(pending) && pending >= 0 && pending <= MAX_PENDING_BYTES)) bad('maxPendingBytes', pending, `a whole number of bytes from 0 to ${MAX_PENDING_BYTES}`);
}

const HEADER_BYTES = 44;
// WAV sizes are 32-bit: stop before the data chunk would overflow.
const MAX_DATA_BYTES = 0xffffffff - HEADER_BYTES - 8;

/**
 * A file name from a stream record id, injective so two ids never share a file: `a-z`, `0-9`
 * and `-` stay (a Plivo UUID is its own name), every other byte of the UTF-8 id becomes `_`
 * and two hex digits (upper case too, so case-insensitive file systems cannot merge two
 * names; `/`, `.` and `_` itself too, so no id escapes the directory or collides with an
 * escape). A name that would be long ends in a SHA-256 of the whole id instead.
 */
export function recordingFileName(streamId: string): string {
  let name = '';
  for (const byte of Buffer.from(streamId, 'utf8')) {
    const safe = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d;
    name += safe ? String.fromCharCode(byte) : `_${byte.toString(16).padStart(2, '0')}`;
  }
  // `~` never appears in the escaped form, so a hashed name cannot equal an escaped one.
  if (name.length > 160) name = `${name.slice(0, 96)}~${createHash('sha256').update(streamId, 'utf8').digest('hex').slice(0, 40)}`;
  return `${name || '_'}.wav`;
}

/** A streaming stereo WAV writer for one call. */
export class CallRecorder {
  readonly path: string;
  readonly sampleRate: number;
  readonly #fh: FileHandle;
  readonly #maxAhead: number;
  readonly #maxPending: number;
  readonly #slice: number;
  readonly #holdBack: number;
  /** Caller samples not yet on disk, from #committed on. */
  #left: Int16Array[] = [];
  /** Bot samples from #committed on (zeros where the bot was quiet). */
  #right = new Int16Array(0);
  #committed = 0;
  #callerHead = 0;
  #botHead = 0;
  /** Data bytes on the timeline so far (each slice's file position is fixed when committed). */
  #dataBytes = 0;
  /** End of the data the disk confirmed, for the header after a failure. */
  #confirmedEnd = 0;
  /** Bytes handed to the disk and not yet confirmed. */
  #pendingBytes = 0;
  #droppedSamples = 0;
  #chain: Promise<void> = Promise.resolve();
  #error: CallwireError | undefined;
  #closed: Promise<RecordingResult> | undefined;

  private constructor(fh: FileHandle, path: string, options: CallRecorderOptions) {
    this.#fh = fh;
    this.path = path;
    this.sampleRate = options.sampleRate;
    this.#maxAhead = Math.round(((options.maxAheadMs ?? 60_000) * options.sampleRate) / 1000);
    this.#maxPending = options.maxPendingBytes ?? 4 * 1024 * 1024;
    this.#slice = Math.round(options.sampleRate / 2);
    this.#holdBack = Math.round(((options.holdBackMs ?? 0) * options.sampleRate) / 1000);
  }

  /**
   * Create the file and register it with the store.
   * @throws AudioError AUDIO_UNSUPPORTED_RATE; ConfigError CONFIG_INVALID for `maxAheadMs` or
   * `maxPendingBytes` out of range (before any file is made); CallwireError STORE_RECORDING_FAILED
   * when the file cannot be created
   */
  static async open(options: CallRecorderOptions): Promise<CallRecorder> {
    const rate = options.sampleRate;
    if (!Number.isInteger(rate) || rate < 1000 || rate > 192_000) {
      throw new AudioError('AUDIO_UNSUPPORTED_RATE', `recording rate must be 1000-192000 Hz (got ${rate})`);
    }
    checkLimits(options);
    const dir = options.dir ?? DEFAULT_RECORDINGS_DIR;
    const path = resolve(options.path ?? join(dir, recordingFileName(options.streamId)));
    let fh: FileHandle | undefined;
    try {
      if (options.path === undefined) await mkdir(dir, { recursive: true });
      // Never truncate an existing file: a name is a record's, and records are never reused.
      fh = await open(path, options.path === undefined ? 'wx' : 'w');
      const header = encodeWav(new Int16Array(0), rate, 2);
      // "Unknown length" until close() patches the real sizes.
      const dv = new DataView(header.buffer, header.byteOffset, header.byteLength);
      dv.setUint32(4, 0xffffffff, true);
      dv.setUint32(40, 0xffffffff, true);
      await fh.write(header, 0, header.length, 0);
    } catch (e) {
      // Opened but the header write failed (disk full, I/O error): close it, or every call
      // recorded while the disk fails leaks a descriptor until GC happens to find it.
      await fh?.close().catch(() => {});
      throw new CallwireError('STORE_RECORDING_FAILED', `cannot create recording ${path}: ${(e as Error)?.message ?? e}`, { cause: e });
    }
    options.store?.recording(options.streamId, path);
    return new CallRecorder(fh, path, options);
  }

  /** Milliseconds on the timeline so far (the caller's audio). */
  get durationMs(): number {
    return (this.#callerHead * 1000) / this.sampleRate;
  }

  /** Append the caller's audio; it advances the timeline. Never throws. */
  caller(pcm: Int16Array): void {
    if (this.#closed !== undefined || pcm.length === 0) return;
    this.#left.push(pcm.slice());
    this.#callerHead += pcm.length;
    const upTo = this.#callerHead - this.#holdBack;
    if (upTo - this.#committed >= this.#slice) this.#commit(upTo);
  }

  /**
   * Place bot audio on the timeline: at `atMs` (timeline ms) when given, else right after
   * the previous bot audio or at the caller's current position, whichever is later.
   * Audio before what is already on disk, or beyond `maxAheadMs`, is dropped and counted.
   */
  bot(pcm: Int16Array, atMs?: number): void {
    if (this.#closed !== undefined || pcm.length === 0) return;
    let start = atMs === undefined || !Number.isFinite(atMs) ? Math.max(this.#botHead, this.#callerHead) : Math.round((atMs * this.sampleRate) / 1000);
    let src = pcm;
    if (start < this.#committed) {
      const cut = Math.min(src.length, this.#committed - start);
      this.#droppedSamples += cut;
      src = src.subarray(cut);
      start = this.#committed;
    }
    const limit = this.#callerHead + this.#maxAhead;
    if (start + src.length > limit) {
      const keep = Math.max(0, limit - start);
      this.#droppedSamples += src.length - keep;
      src = src.subarray(0, keep);
    }
    if (src.length === 0) return;
    const offset = start - this.#committed;
    const end = offset + src.length;
    if (end > this.#right.length) {
      const grown = new Int16Array(Math.max(end, Math.min(this.#right.length * 2, this.#maxAhead + this.#slice * 2)));
      grown.set(this.#right);
      this.#right = grown;
    }
    this.#right.set(src, offset);
    this.#botHead = Math.max(this.#botHead, start + src.length);
  }

  /** Barge-in: bot audio not yet heard (after the caller's position) never played; remove it. */
  clearBot(): void {
    const from = this.#callerHead - this.#committed;
    if (from < this.#right.length) this.#right.fill(0, from);
    this.#botHead = this.#callerHead;
  }

  /** Write what is left up to the caller's position, patch the header, close the file. Idempotent. */
  close(): Promise<RecordingResult> {
    this.#closed ??= (async () => {
      this.#commit(this.#callerHead);
      await this.#chain;
      // After a failure the file ends at the last whole stereo frame the disk took.
      const data = this.#error === undefined ? this.#dataBytes : this.#confirmedEnd - (this.#confirmedEnd % 4);
      try {
        // Slices dropped for a slow disk left holes; a trailing one is filled with zeros here.
        if (this.#error === undefined) await this.#fh.truncate(HEADER_BYTES + data);
        // After a failure too: the header is rewritten in place, which can work where appending did not.
        const sizes = Buffer.alloc(4);
        sizes.writeUInt32LE(36 + data, 0);
        await this.#fh.write(sizes, 0, 4, 4);
        sizes.writeUInt32LE(data, 0);
        await this.#fh.write(sizes, 0, 4, 40);
      } catch (e) {
        this.#fail(e);
      }
      await this.#fh.close().catch(() => undefined);
      const msOf = (samples: number): number => (samples * 1000) / this.sampleRate;
      const result = {
        path: this.path,
        durationMs: this.durationMs,
        recordedMs: msOf(data / 4),
        bytes: HEADER_BYTES + data,
        droppedMs: msOf(this.#droppedSamples),
      };
      return this.#error === undefined ? result : { ...result, error: this.#error };
    })();
    return this.#closed;
  }

  // Move [#committed, upTo) to disk as interleaved stereo.
  #commit(upTo: number): void {
    const n = upTo - this.#committed;
    if (n <= 0) return;
    const left = this.#takeLeft(n);
    const right = this.#right.subarray(0, Math.min(n, this.#right.length));
    const stereo = interleaveStereo(left, right);
    this.#right = this.#right.length > n ? this.#right.slice(n) : new Int16Array(0);
    this.#committed = upTo;
    const bytes = pcmToL16(stereo);
    // A failed disk or a full 4 GiB WAV: nothing more goes in; `recordedMs` will say where it ends.
    if (this.#error !== undefined || this.#dataBytes + bytes.length > MAX_DATA_BYTES) return;
    const offset = this.#dataBytes;
    this.#dataBytes += bytes.length;
    if (this.#pendingBytes + bytes.length > this.#maxPending) {
      // The disk fell far behind: skip this slice (it reads back as silence, so the
      // timeline stays aligned) rather than buffer without bound.
      this.#droppedSamples += n;
      return;
    }
    this.#pendingBytes += bytes.length;
    this.#chain = this.#chain.then(async () => {
      try {
        if (this.#error === undefined) await this.#writeFully(bytes, offset);
      } catch (e) {
        this.#fail(e);
      } finally {
        this.#pendingBytes -= bytes.length;
      }
    });
  }

  #takeLeft(n: number): Int16Array {
    const out = new Int16Array(n);
    let o = 0;
    while (o < n) {
      const head = this.#left[0] as Int16Array;
      const take = Math.min(head.length, n - o);
      out.set(head.subarray(0, take), o);
      o += take;
      if (take === head.length) this.#left.shift();
      else this.#left[0] = head.subarray(take);
    }
    return out;
  }

  // A file-size limit or a nearly full disk can take part of a write without an error.
  async #writeFully(bytes: Uint8Array, offset: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.#fh.write(bytes, done, bytes.length - done, HEADER_BYTES + offset + done);
      if (bytesWritten <= 0) throw new Error('the disk accepted no bytes');
      done += bytesWritten;
      this.#confirmedEnd = Math.max(this.#confirmedEnd, offset + done);
    }
  }

  #fail(e: unknown): void {
    this.#error ??= new CallwireError('STORE_RECORDING_FAILED', `recording ${this.path} failed: ${(e as Error)?.message ?? e}`, { cause: e });
  }
}
