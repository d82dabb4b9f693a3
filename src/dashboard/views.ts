/**
 * What the dashboard's API returns: the store's records with server paths replaced by what
 * the browser needs (whether a recording exists) and turns with their latency waterfall.
 */
import type { LatencyBudget } from '../latency-budget.js';
import type { StreamDetail, StreamSummary } from '../store/types.js';
import { type TurnView, turnView } from './waterfall.js';

/** A stream in the list. */
export type SummaryView = Omit<StreamSummary, 'recordingPath'> & { readonly hasRecording: boolean };

/** Everything about one stream. */
export type DetailView = Omit<StreamDetail, 'recordingPath' | 'turns'> & { readonly hasRecording: boolean; readonly turns: readonly TurnView[] };

/** A summary without the recording's server path. */
export function summaryView(s: StreamSummary): SummaryView {
  const { recordingPath, ...rest } = s;
  return { ...rest, hasRecording: recordingPath !== undefined };
}

/** A detail record with waterfalls and without server paths. */
export function detailView(d: StreamDetail, budget?: LatencyBudget): DetailView {
  const { recordingPath, turns, ...rest } = d;
  return { ...rest, hasRecording: recordingPath !== undefined, turns: turns.map((t) => turnView(t, budget)) };
}
