/**
 * Prometheus metrics for one server (`/metrics`). Per-stream counters are read at scrape
 * time (live streams summed, ended streams folded into totals), so the media path does no
 * metrics work per frame.
 */
import client from 'prom-client';
import type { TurnLedger } from '../agent/latency-ledger.js';
import type { StreamStatusEvent } from '../protocol/status.js';
import type { StreamStore } from '../store/types.js';
import type { CallStream } from '../stream/call-stream.js';
import type { StreamCounters } from '../stream/types.js';

type CounterKey = 'framesIn' | 'framesOut' | 'bytesIn' | 'bytesOut' | 'gaps' | 'lateFrames' | 'badFrames' | 'backpressureEvents' | 'clears' | 'checkpointsUnacked' | 'latePongs';

const SUMMED: readonly [CounterKey, string, string][] = [
  ['framesIn', 'callwire_frames_in_total', 'Media frames received from Plivo'],
  ['framesOut', 'callwire_frames_out_total', 'playAudio frames sent to Plivo'],
  ['bytesIn', 'callwire_audio_bytes_in_total', 'Audio bytes received'],
  ['bytesOut', 'callwire_audio_bytes_out_total', 'Audio bytes sent'],
  ['gaps', 'callwire_frames_missing_total', 'Inbound frames missing from the sequence (chunk gaps)'],
  ['lateFrames', 'callwire_frames_late_total', 'Inbound frames that arrived out of order or duplicated (dropped)'],
  ['badFrames', 'callwire_frames_bad_total', 'Inbound frames rejected (unparseable, wrong stream id, ...)'],
  ['backpressureEvents', 'callwire_backpressure_events_total', 'Times outbound audio paused on a full socket buffer'],
  ['clears', 'callwire_clear_audio_total', 'clearAudio sent (barge-ins and explicit clears)'],
  ['checkpointsUnacked', 'callwire_checkpoints_unacked_total', 'Checkpoints settled without a playedStream (none came within the ack margin)'],
  ['latePongs', 'callwire_late_pongs_total', 'WebSocket pongs later than the keepalive late mark (a slow connection)'],
];

const STAGES = ['stt', 'endpointing', 'llm', 'tts', 'network', 'total'] as const;

/** The metrics of one server. */
export class ServerMetrics {
  readonly registry = new client.Registry();
  readonly #live = new Set<CallStream>();
  readonly #ended: Record<CounterKey, number> = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, gaps: 0, lateFrames: 0, badFrames: 0, backpressureEvents: 0, clears: 0, checkpointsUnacked: 0, latePongs: 0 };
  readonly #streamsTotal: client.Counter<'ended_by'>;
  readonly #status: client.Counter<'event'>;
  readonly #bargeIns: client.Counter;
  readonly #falseInterruptions: client.Counter;
  readonly #providerErrors: client.Counter<'stage' | 'code'>;
  readonly #stage: client.Histogram<'stage'>;
  readonly #overruns: client.Counter<'stage'>;
  readonly #maxLead: client.Histogram;
  readonly #upgradesRejected: client.Counter<'status'>;
  readonly #failovers: client.Counter<'stage' | 'from' | 'to'>;

  constructor() {
    const r = this.registry;
    client.collectDefaultMetrics({ register: r, prefix: 'callwire_' });
    const live = this.#live;
    const ended = this.#ended;
    // Values below are computed when scraped.
    new client.Gauge({
      name: 'callwire_active_streams',
      help: 'Live Plivo streams',
      registers: [r],
      collect() {
        this.set(live.size);
      },
    });
    for (const [key, name, help] of SUMMED) {
      new client.Counter({
        name,
        help,
        registers: [r],
        collect() {
          let v = ended[key];
          for (const s of live) v += s.counters[key];
          this.reset();
          this.inc(v);
        },
      });
    }
    new client.Gauge({
      name: 'callwire_pacing_lead_ms',
      help: 'Outbound audio sent but not yet played at Plivo (estimated), max over live streams',
      registers: [r],
      collect() {
        let max = 0;
        for (const s of live) if (s.state === 'started') max = Math.max(max, s.player.leadMs);
        this.set(max);
      },
    });
    this.#maxLead = new client.Histogram({ name: 'callwire_stream_max_lead_ms', help: 'Largest pacing lead per ended stream', buckets: [50, 100, 200, 300, 400, 600, 1000, 2000, 5000], registers: [r] });
    this.#streamsTotal = new client.Counter({ name: 'callwire_streams_total', help: 'Ended streams by who ended them', labelNames: ['ended_by'], registers: [r] });
    this.#status = new client.Counter({ name: 'callwire_status_callbacks_total', help: 'Plivo status callbacks by event', labelNames: ['event'], registers: [r] });
    this.#bargeIns = new client.Counter({ name: 'callwire_barge_ins_total', help: 'Caller barge-ins (bot audio cleared)', registers: [r] });
    this.#falseInterruptions = new client.Counter({ name: 'callwire_false_interruptions_total', help: 'Barge-ins that brought no words (reply resumed)', registers: [r] });
    this.#providerErrors = new client.Counter({ name: 'callwire_provider_errors_total', help: 'Provider errors by stage and code', labelNames: ['stage', 'code'], registers: [r] });
    this.#stage = new client.Histogram({ name: 'callwire_turn_stage_ms', help: 'Per-turn latency by stage (ms)', labelNames: ['stage'], buckets: [25, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000], registers: [r] });
    this.#overruns = new client.Counter({ name: 'callwire_latency_budget_overruns_total', help: 'Turns whose stage overran the latency budget', labelNames: ['stage'], registers: [r] });
    this.#failovers = new client.Counter({ name: 'callwire_provider_failovers_total', help: 'Calls moved from a failed provider to the next of its fallback chain', labelNames: ['stage', 'from', 'to'], registers: [r] });
    this.#upgradesRejected = new client.Counter({ name: 'callwire_upgrades_rejected_total', help: 'WebSocket upgrades refused before the handshake, by HTTP status', labelNames: ['status'], registers: [r] });
  }

  /** Track a new stream until it ends. */
  stream(call: CallStream): void {
    this.#live.add(call);
    void call.ended.then((end) => {
      this.#live.delete(call);
      this.#fold(call.counters);
      this.#streamsTotal.inc({ ended_by: end.by });
      this.#maxLead.observe(call.counters.maxLeadMs);
    });
  }

  status(e: StreamStatusEvent): void {
    this.#status.inc({ event: e.event === 'unknown' ? 'unknown' : e.event });
  }

  ledger(l: TurnLedger): void {
    for (const s of STAGES) {
      const v = l.stages[s];
      if (v !== undefined) this.#stage.observe({ stage: s }, v);
    }
    for (const o of l.overruns) this.#overruns.inc({ stage: o.stage });
  }

  bargeIn(): void {
    this.#bargeIns.inc();
  }

  falseInterruption(): void {
    this.#falseInterruptions.inc();
  }

  providerError(stage: string, code: string): void {
    this.#providerErrors.inc({ stage, code });
  }

  failover(stage: string, from: string, to: string): void {
    this.#failovers.inc({ stage, from, to });
  }

  /** Export the standing of each provider in fallback chains (1 healthy, 0 failed and being probed). */
  providerHealth(standings: () => readonly { readonly kind: string; readonly provider: string; readonly position: number; readonly healthy: boolean }[]): void {
    new client.Gauge({
      name: 'callwire_provider_healthy',
      help: 'Providers of fallback chains: 1 in good standing, 0 failed and probed in the background',
      labelNames: ['stage', 'provider', 'position'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of standings()) this.set({ stage: s.kind, provider: s.provider, position: String(s.position) }, s.healthy ? 1 : 0);
      },
    });
  }

  upgradeRejected(status: number): void {
    this.#upgradesRejected.inc({ status: String(status) });
  }

  /** Export a store's write-path health. */
  store(store: StreamStore): void {
    const r = this.registry;
    new client.Gauge({ name: 'callwire_store_pending_writes', help: 'Store rows queued for writing', registers: [r], collect() { this.set(store.stats().pendingWrites); } });
    new client.Gauge({ name: 'callwire_store_written_rows', help: 'Store rows written since start', registers: [r], collect() { this.set(store.stats().writtenRows); } });
    new client.Gauge({ name: 'callwire_store_dropped_rows', help: 'Store rows given up on (queue overflow, disk full or read-only after retries)', registers: [r], collect() { this.set(store.stats().droppedRows); } });
    new client.Gauge({ name: 'callwire_store_write_errors', help: 'Failed store write attempts (each retry counts)', registers: [r], collect() { this.set(store.stats().writeErrors); } });
  }

  /** The exposition text. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #fold(c: StreamCounters): void {
    for (const [key] of SUMMED) this.#ended[key] += c[key];
  }
}
