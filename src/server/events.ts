/**
 * What a server tells its observers. The store writer, the metrics and the dashboard take a
 * {@link ServerEventSource} (events and the set of live streams), not the whole server, so
 * they depend on what they read and the server's files import each other in one direction.
 */
import type { StreamStatusEvent } from '../protocol/status.js';
import type { CallStream } from '../stream/call-stream.js';
import type { StoreRecord } from './store-tee.js';
import type { UpgradeRejection } from './upgrade.js';

/** Where the server listens. */
export interface ListenInfo {
  readonly port: number;
  readonly host: string;
  /** Local base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
}

/** Server events. */
export interface ServerEvents {
  stream: CallStream;
  status: StreamStatusEvent;
  rejected: UpgradeRejection;
  /** An HTTP request refused (signature, size): route and reason. */
  refused: { readonly route: string; readonly status: number; readonly code?: string };
  /** The server is listening. */
  listening: ListenInfo;
  /** A write the server made to its store about a stream (the dashboard's live view). */
  record: StoreRecord;
}

/** The narrow face of a server its observers see. */
export interface ServerEventSource {
  /** Subscribe; returns the unsubscribe. */
  on<K extends keyof ServerEvents>(event: K, listener: (payload: ServerEvents[K]) => void): () => void;
  /** Live streams. */
  readonly streams: ReadonlySet<CallStream>;
}
