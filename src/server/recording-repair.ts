/**
 * Recordings a killed server left open. A recording's WAV header says "unknown length"
 * (0xFFFFFFFF) until its recorder closes; a process that died mid-call never closed it, so
 * players and `soxi` read such a file as about 37 hours long. At start, once the store has
 * ended the streams its previous run left live, their files get real sizes.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { recordingFileName } from '../store/recorder.js';
import type { StreamStore } from '../store/types.js';

const HEADER_BYTES = 44;
const UNKNOWN = 0xffffffff;

/**
 * Give a WAV whose header says "unknown length" its real sizes (whole stereo 16-bit frames).
 * @returns true when the file was patched, false when it needed nothing
 */
export async function repairWavSizes(path: string): Promise<boolean> {
  const fh = await open(path, 'r+');
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await fh.read(header, 0, HEADER_BYTES, 0);
    if (bytesRead < HEADER_BYTES || header.toString('latin1', 0, 4) !== 'RIFF') return false;
    if (header.readUInt32LE(4) !== UNKNOWN && header.readUInt32LE(40) !== UNKNOWN) return false;
    const { size } = await fh.stat();
    const data = Math.max(0, size - HEADER_BYTES) - (Math.max(0, size - HEADER_BYTES) % 4);
    await fh.truncate(HEADER_BYTES + data);
    const sizes = Buffer.alloc(4);
    sizes.writeUInt32LE(36 + data, 0);
    await fh.write(sizes, 0, 4, 4);
    sizes.writeUInt32LE(data, 0);
    await fh.write(sizes, 0, 4, 40);
    return true;
  } finally {
    await fh.close();
  }
}

/**
 * The record id a recording's file name encodes ({@link recordingFileName} is injective:
 * `_xx` escapes are bytes of the UTF-8 id); undefined for a hashed long name or a foreign file.
 */
export function streamIdOfRecording(fileName: string): string | undefined {
  const base = fileName.slice(0, -'.wav'.length);
  if (base === '_') return '';
  if (!/^(?:[a-z0-9-]|_[0-9a-f]{2})+$/.test(base)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < base.length; i++) {
    if (base[i] === '_') {
      bytes.push(Number.parseInt(base.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(base.charCodeAt(i));
  }
  const id = Buffer.from(bytes).toString('utf8');
  return recordingFileName(id) === fileName ? id : undefined;
}

/**
 * Patch the recordings of ended streams in
 * `dir` that still say "unknown length". Never throws: a failure is logged.
 * @returns how many files were patched
 */
export async function repairRecordings(store: StreamStore, dir: string, log: Logger): Promise<number> {
  let repaired = 0;
  try {
    // The server's listen() already ended the streams a previous run left live.
    const startedAt = Date.now();
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.wav'))) {
      const id = streamIdOfRecording(name);
      if (id === undefined) continue;
      const stream = await store.getStream(id);
      // A live stream's recorder is still writing it; a file with no record is left alone.
      if (stream === undefined || stream.status === 'live') continue;
      // Written in the last minute: another process on the same store may still be writing it.
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (st === undefined || st.mtimeMs > startedAt - 60_000) continue;
      if (await repairWavSizes(join(dir, name))) repaired++;
    }
    if (repaired > 0) log.info({ repaired }, `gave ${repaired} recording(s) left open by a stopped server their real length`);
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'could not repair recordings left open by a stopped server');
  }
  return repaired;
}
