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
  const starved = speedStarvation(parts.speed, parts.metrics);
  const timeline = starved === undefined ? parts.timeline : [...parts.timeline, { type: 'warning' as const, t: parts.durationMs, message: starved }];
  const protocolErrors = timeline.filter((e): e is ProtocolErrorEvent => e.type === 'protocol_error');
  const warnings = timeline.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
  const connected = parts.streams.some((s) => s.startedAt !== undefined);
  return { ...parts, timeline, ok: connected && protocolErrors.length === 0, protocolErrors, warnings };
}

/**
 * `--speed N` against a server on a real-time clock: the emulator plays the bot's audio N times
 * faster than the server sends it, so the buffer keeps running dry (a gap every frame or two,
 * the lead falling to minus the reply's length) and a pause in the starved reply looks like
 * the reply's end, so a script hangs up mid-reply. Said in the report, with the fix.
 */
function speedStarvation(speed: number, m: CallMetricsReport): string | undefined {
  if (speed <= 1 || m.gapsMs.length < 5 || m.leadMs.length === 0) return undefined;
  const sorted = [...m.leadMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  if (median >= 0) return undefined;
  return `the bot's audio arrived slower than it played (${m.gapsMs.length} gaps, median lead ${Math.round(median)} ms): at --speed ${speed} the server must run its clock ${speed} times faster too (as the tests do: createServer({ clock: scaledClock(${speed}) })); against a real-time server use --speed 1, or the reply is starved and the call may hang up mid-reply`;
}
