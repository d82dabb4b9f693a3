/**
 * A size cap on the recordings directory (`--recordings-max-gb`): the oldest recording files
 * are deleted first until the directory's WAV files fit. Recordings still being written are
 * never deleted. Their stream records keep the link; the dashboard answers 404 for a
 * recording that was evicted.
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

/** What one pass of {@link enforceRecordingQuota} did. */
export interface QuotaResult {
  /** Files deleted. */
  readonly removed: number;
  readonly freedBytes: number;
  /** Bytes of recordings left. */
  readonly totalBytes: number;
}

/** Largest cap accepted (1 PB): more is a units mistake. */
const MAX_BYTES = 1e15;

/**
 * Refuse a cap that is not a positive number of bytes.
 * @throws ConfigError CONFIG_INVALID
 */
export function checkRecordingQuota(maxBytes: unknown, setting = 'recording.maxBytes'): void {
  if (maxBytes === undefined) return;
  if (typeof maxBytes !== 'number' || !Number.isFinite(maxBytes) || maxBytes < 1 || maxBytes > MAX_BYTES) {
    throw new ConfigError('CONFIG_INVALID', `${setting} must be a positive number of bytes up to ${MAX_BYTES} (got ${String(maxBytes)})`);
  }
}

/**
 * Delete the oldest `.wav` files in `dir` (by modification time, then name) until the total
 * is at most `maxBytes`. Files in `keep` (absolute paths of live recordings) stay. A missing
 * directory is empty; a file that vanished or cannot be deleted is skipped.
 */
export async function enforceRecordingQuota(dir: string, maxBytes: number, keep: ReadonlySet<string> = new Set()): Promise<QuotaResult> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return { removed: 0, freedBytes: 0, totalBytes: 0 };
  }
  const files: { path: string; name: string; bytes: number; mtime: number }[] = [];
  for (const name of names) {
    if (!name.endsWith('.wav')) continue;
    const path = resolve(join(dir, name));
    try {
      const st = await lstat(path);
      if (st.isFile()) files.push({ path, name, bytes: st.size, mtime: st.mtimeMs });
    } catch {
      // Deleted meanwhile (retention, another pass).
    }
  }
  let total = files.reduce((n, f) => n + f.bytes, 0);
  let removed = 0;
  let freed = 0;
  files.sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : 1));
  for (const f of files) {
    if (total <= maxBytes) break;
    if (keep.has(f.path)) continue;
    try {
      await unlink(f.path);
      total -= f.bytes;
      freed += f.bytes;
      removed++;
    } catch {
      // Gone already, or not ours to delete: the next pass tries again.
    }
  }
  return { removed, freedBytes: freed, totalBytes: total };
}
