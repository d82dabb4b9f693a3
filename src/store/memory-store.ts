/**
 * A {@link StreamStore} that keeps nothing on disk: the same SQLite engine and queries on a
 * private in-memory database, so its behaviour is identical to the file store's. Used by
 * tests and by `serve --no-store`. Bounded: the oldest streams beyond `maxStreams` are pruned.
 */
import { SqliteStreamStore, type SqliteStoreOptions } from './sqlite-store.js';

/** Options of {@link MemoryStreamStore}. */
export type MemoryStoreOptions = Omit<SqliteStoreOptions, 'path' | 'mustExist' | 'readonly'>;

/** An in-memory stream store (default: at most 1000 streams, pruned every minute). */
export class MemoryStreamStore extends SqliteStreamStore {
  constructor(options: MemoryStoreOptions = {}) {
    super({ maxStreams: 1000, pruneIntervalMs: 60_000, ...options, path: ':memory:' });
  }
}
