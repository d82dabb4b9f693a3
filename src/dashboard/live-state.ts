/**
 * The live calls as the dashboard shows them, built from the server's store records (the
 * same normalised rows the store keeps, so a live view and a reload after the call agree).
 * Bounded: a stream keeps its latest events, ended streams are forgotten after a grace
 * period, and status callbacks for streams not yet started wait in a short queue.
 */
import type { LatencyBudget } from '../latency-budget.js';
import type { StoreRecord } from '../server/store-tee.js';
import { ZERO_COUNTERS, type StoredStatusCallback, type TimelineInput } from '../store/types.js';
import { writes } from '../store/writes.js';
import type { SummaryView } from './views.js';
import { type TurnView, turnView } from './waterfall.js';

/** A status callback as shown (the stored row without its database id). */
export type StatusView = Omit<StoredStatusCallback, 'id'>;

/** A timeline event as shown (the stored form without its database id). */
export type EventView = TimelineInput;

/** What changed, for the live feed. */
export type LiveChange =
  | { readonly kind: 'stream'; readonly stream: SummaryView }
  | { readonly kind: 'event'; readonly streamId: string; readonly event: EventView }
  | { readonly kind: 'turn'; readonly streamId: string; readonly turn: TurnView }
  | { readonly kind: 'status'; readonly streamId: string | undefined; readonly callback: StatusView };

/** One live stream's state. */
export interface LiveStream {
  summary: SummaryView;
  readonly events: EventView[];
  readonly turns: Map<number, TurnView>;
  readonly statusCallbacks: StatusView[];
  /** Events dropped because the stream had too many. */
  droppedEvents: number;
}

/** Limits of {@link LiveState}. */
export interface LiveStateOptions {
  /** Events kept per stream (default 2000; the oldest go first). */
  readonly maxEvents?: number;
  /** Streams tracked at once (default 1000). */
  readonly maxStreams?: number;
  /** How long an ended stream stays, ms (default 60 s). */
  readonly graceMs?: number;
  readonly budget?: LatencyBudget;
  readonly now?: () => number;
}

interface PendingStatus {
  readonly at: number;
  readonly callback: StatusView;
}

const PENDING_STATUS = 200;
const PENDING_STATUS_MS = 60_000;

export class LiveState {
  readonly #streams = new Map<string, LiveStream>();
  readonly #ended = new Map<string, number>();
  readonly #pending: PendingStatus[] = [];
  readonly #maxEvents: number;
  readonly #maxStreams: number;
  readonly #graceMs: number;
  readonly #budget: LatencyBudget | undefined;
  readonly #now: () => number;

  constructor(options: LiveStateOptions = {}) {
    this.#maxEvents = options.maxEvents ?? 2000;
    this.#maxStreams = options.maxStreams ?? 1000;
    this.#graceMs = options.graceMs ?? 60_000;
    this.#budget = options.budget;
    this.#now = options.now ?? Date.now;
  }

  /** A tracked stream. */
  get(streamId: string): LiveStream | undefined {
    return this.#streams.get(streamId);
  }

  /** Live (not ended) streams. */
  liveStreams(): SummaryView[] {
    return [...this.#streams.values()].filter((s) => s.summary.status === 'live').map((s) => s.summary);
  }

  /** Apply one store record; returns what changed. */
  apply(record: StoreRecord): LiveChange[] {
    this.#expire();
    switch (record.kind) {
      case 'started':
        return this.#started(record.start);
      case 'counters': {
        const s = this.#streams.get(record.streamId);
        if (s === undefined || s.summary.status !== 'live') return [];
        const w = writes.counters(record.streamId, record.counters, this.#now());
        if (w.kind !== 'counters') return [];
        return this.#update(s, { counters: w.counters, durationMs: this.#now() - s.summary.startedAt });
      }
      case 'ended': {
        const s = this.#streams.get(record.streamId);
        if (s === undefined) return [];
        const w = writes.streamEnded(record.streamId, record.end);
        if (w.kind !== 'stream_ended') return [];
        this.#ended.set(record.streamId, this.#now());
        const end = w.end;
        return this.#update(s, {
          status: 'ended',
          endedAt: end.endedAt,
          durationMs: Math.max(0, end.endedAt - s.summary.startedAt),
          hangup: end.hangup,
          counters: end.counters ?? s.summary.counters,
        });
      }
      case 'status':
        return this.#status(record.event, record.receivedAt);
      case 'event': {
        const s = this.#streams.get(record.streamId);
        if (s === undefined) return [];
        const w = writes.event(record.streamId, record.event);
        if (w.kind !== 'event') return [];
        const event = { ...(JSON.parse(w.dataJson) as object), at: w.at, type: w.type } as EventView;
        s.events.push(event);
        if (s.events.length > this.#maxEvents) {
          s.events.shift();
          s.droppedEvents++;
        }
        const changes: LiveChange[] = [{ kind: 'event', streamId: record.streamId, event }];
        if (event.type === 'error') changes.push(...this.#update(s, { errorCount: s.summary.errorCount + 1 }));
        return changes;
      }
      case 'turn': {
        const s = this.#streams.get(record.streamId);
        if (s === undefined) return [];
        const w = writes.turn(record.streamId, record.turn);
        if (w.kind !== 'turn') return [];
        const turn = turnView({ ...w.turn, ledger: JSON.parse(w.ledgerJson) as Record<string, number> }, this.#budget);
        s.turns.set(turn.index, turn);
        return [{ kind: 'turn', streamId: record.streamId, turn }, ...this.#update(s, { turnCount: s.turns.size })];
      }
      case 'recording': {
        const s = this.#streams.get(record.streamId);
        return s === undefined ? [] : this.#update(s, { hasRecording: true });
      }
    }
  }

  #started(start: Extract<StoreRecord, { kind: 'started' }>['start']): LiveChange[] {
    const w = writes.streamStarted(start);
    if (w.kind !== 'stream_started') return [];
    const st = w.start;
    if (this.#streams.size >= this.#maxStreams) {
      // Forget the oldest ended stream first, else the oldest of all.
      const victim = this.#ended.keys().next().value ?? this.#streams.keys().next().value;
      if (victim !== undefined) this.#forget(victim);
    }
    const stream: LiveStream = {
      summary: {
        streamId: st.streamId,
        callId: st.callId,
        accountId: st.accountId,
        from: st.from,
        to: st.to,
        direction: st.direction,
        format: st.format,
        startedAt: st.startedAt,
        endedAt: undefined,
        durationMs: undefined,
        status: 'live',
        hangup: undefined,
        counters: ZERO_COUNTERS,
        hasRecording: false,
        turnCount: 0,
        errorCount: 0,
      },
      events: [],
      turns: new Map(),
      statusCallbacks: [],
      droppedEvents: 0,
    };
    this.#streams.set(st.streamId, stream);
    const changes: LiveChange[] = [{ kind: 'stream', stream: stream.summary }];
    // Status callbacks that arrived before the stream's start belong to it now.
    for (let i = 0; i < this.#pending.length; ) {
      const p = this.#pending[i] as PendingStatus;
      if (p.callback.streamId === st.streamId || (p.callback.callId !== undefined && p.callback.callId === st.callId)) {
        stream.statusCallbacks.push(p.callback);
        changes.push({ kind: 'status', streamId: st.streamId, callback: p.callback });
        this.#pending.splice(i, 1);
      } else i++;
    }
    return changes;
  }

  #status(event: Extract<StoreRecord, { kind: 'status' }>['event'], receivedAt: number): LiveChange[] {
    const w = writes.statusCallback(event, receivedAt);
    if (w.kind !== 'status_callback') return [];
    const callback: StatusView = { event: w.row.event, streamId: w.row.streamId, callId: w.row.callId, receivedAt: w.row.receivedAt, fields: w.row.fields };
    const owner =
      (callback.streamId !== undefined ? this.#streams.get(callback.streamId) : undefined) ??
      [...this.#streams.values()].find((s) => callback.callId !== undefined && s.summary.callId === callback.callId);
    if (owner === undefined) {
      this.#pending.push({ at: this.#now(), callback });
      if (this.#pending.length > PENDING_STATUS) this.#pending.shift();
      return [{ kind: 'status', streamId: callback.streamId, callback }];
    }
    owner.statusCallbacks.push(callback);
    if (owner.statusCallbacks.length > this.#maxEvents) owner.statusCallbacks.shift();
    return [{ kind: 'status', streamId: owner.summary.streamId, callback }];
  }

  #update(s: LiveStream, patch: Partial<SummaryView>): LiveChange[] {
    s.summary = { ...s.summary, ...patch };
    return [{ kind: 'stream', stream: s.summary }];
  }

  #expire(): void {
    const now = this.#now();
    for (const [id, at] of this.#ended) {
      if (now - at < this.#graceMs) break;
      this.#forget(id);
    }
    while (this.#pending.length > 0 && now - (this.#pending[0] as PendingStatus).at > PENDING_STATUS_MS) this.#pending.shift();
  }

  #forget(streamId: string): void {
    this.#streams.delete(streamId);
    this.#ended.delete(streamId);
  }
}
