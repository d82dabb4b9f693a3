/**
 * The latency waterfall of one turn, computed on the server with the agent's own
 * {@link LatencyLedger} so the dashboard shows the same stage durations and overruns as the
 * logs and metrics. Bars start at the caller's speech end (the store keeps marks relative to it).
 */
import { LatencyLedger, type LedgerMarks } from '../agent/latency-ledger.js';
import { DEFAULT_BUDGET, type LatencyBudget } from '../latency-budget.js';
import { LATENCY_STAGES, type StoredLedger as LedgerRecord, type TurnRecord } from '../store/types.js';

/** A waterfall row. */
export type WaterfallStage = 'endpointing' | 'stt' | 'llm' | 'tool' | 'tts' | 'network' | 'total';

/** One bar: when the stage ran (ms after the caller's speech end), how long, and its budget. */
export interface WaterfallBar {
  readonly stage: WaterfallStage;
  readonly startMs: number;
  readonly endMs: number;
  readonly ms: number;
  /** The stage's budget (STT, LLM, TTS and network have one). */
  readonly budgetMs?: number;
  /** True when `ms` is over the budget. */
  readonly over: boolean;
}

/** A turn as the dashboard shows it. */
export interface TurnView extends TurnRecord {
  readonly bars: readonly WaterfallBar[];
  /** Stages over budget, worst first. */
  readonly overruns: readonly { readonly stage: string; readonly ms: number; readonly budgetMs: number }[];
}

// Each bar, in display order, with the mark it starts at (its length is the ledger's stage:
// endpointing ends at endOfTurn, STT at sttFinal, LLM at the first token, TTS at the first
// byte, network and total at firstAudioHeard).
const SPANS: readonly (readonly [WaterfallStage, keyof LedgerMarks])[] = [
  ['endpointing', 'speechEnd'],
  ['stt', 'speechEnd'],
  ['llm', 'llmRequest'],
  ['tool', 'toolStart'],
  ['tts', 'ttsRequest'],
  ['network', 'firstAudioSent'],
  ['total', 'speechEnd'],
];

/** The bars and overruns of a stored ledger (marks in ms relative to speech end). */
export function waterfall(index: number, ledger: LedgerRecord, budget: LatencyBudget = DEFAULT_BUDGET): Pick<TurnView, 'bars' | 'overruns'> {
  const l = new LatencyLedger(index);
  for (const k of LATENCY_STAGES) {
    const v = ledger[k];
    if (typeof v === 'number' && Number.isFinite(v)) l.mark(k, v);
  }
  const report = l.report(budget);
  const bars: WaterfallBar[] = [];
  for (const [stage, from] of SPANS) {
    const ms = report.stages[stage];
    const start = l.marks[from];
    if (ms === undefined || start === undefined) continue;
    const budgetMs = stage === 'endpointing' || stage === 'tool' || stage === 'total' ? undefined : budget[stage];
    bars.push({ stage, startMs: round(start), endMs: round(start + ms), ms: round(ms), budgetMs, over: budgetMs !== undefined && ms > budgetMs });
  }
  return { bars, overruns: report.overruns.map((o) => ({ stage: o.stage, ms: round(o.ms), budgetMs: o.budgetMs })) };
}

/** A stored turn with its waterfall. */
export function turnView(turn: TurnRecord, budget?: LatencyBudget): TurnView {
  return { ...turn, ...waterfall(turn.index, turn.ledger, budget) };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
