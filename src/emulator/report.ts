/** What an emulated call returns when it is over. */
import type { CallEvent, CallHangupBy } from './events.js';
import type { CallMetricsReport } from './metrics.js';
import type { Recording } from './recorder.js';
import type { LegSummary } from './stream-leg.js';

/** A protocol error as it appears in the report. */
export type ProtocolErrorEvent = Extract<CallEvent, { type: 'protocol_error' }>;

/** The end-of-call report. */
export interface CallReport {
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  /** True when a stream connected and the app made no protocol error. */
  readonly ok: boolean;
  /** The first stream's format (undefined when no stream was set up). */
  readonly format: string | undefined;
  readonly speed: number;
  readonly durationMs: number;
  readonly hangup: { readonly by: CallHangupBy; readonly reason: string; readonly t: number };
  readonly streams: readonly LegSummary[];
  readonly timeline: readonly CallEvent[];
  readonly protocolErrors: readonly ProtocolErrorEvent[];
  readonly warnings: readonly string[];
  readonly metrics: CallMetricsReport;
  /** Caller and heard audio (undefined when recording was off). */
  readonly recording: Recording | undefined;
}

/** Assemble the report from the call's parts. */
export function buildReport(parts: {
  callId: string;
  from: string;
  to: string;
  format: string | undefined;
  speed: number;
  durationMs: number;
  hangup: CallReport['hangup'];
  streams: readonly LegSummary[];
  timeline: readonly CallEvent[];
  metrics: CallMetricsReport;
  recording: Recording | undefined;
}): CallReport {
  const protocolErrors = parts.timeline.filter((e): e is ProtocolErrorEvent => e.type === 'protocol_error');
  const warnings = parts.timeline.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
  const connected = parts.streams.some((s) => s.startedAt !== undefined);
  return { ...parts, ok: connected && protocolErrors.length === 0, protocolErrors, warnings };
}
