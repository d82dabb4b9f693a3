/**
 * Reading a turn's latency ledger against the troubleshooting guide's budget: STT < 200 ms,
 * LLM < 500 ms, TTS < 200 ms, network < 100 ms (so about 1 s from the caller's last word
 * to the bot's first audio). Shared by `callwire logs` and the dashboard.
 */
import { LATENCY_STAGES, type LatencyLedger } from './types.js';

/** One budgeted segment of a turn. */
export interface LatencySegment {
  readonly name: 'stt' | 'llm' | 'tts' | 'response';
  /** What it measures, for people. */
  readonly label: string;
  readonly ms: number;
  readonly budgetMs: number;
  readonly over: boolean;
}

/** The budget of each segment (the seed's numbers; `response` is their sum plus network). */
export const LATENCY_BUDGET_MS = { stt: 200, llm: 500, tts: 200, response: 1000 } as const;

function span(ledger: LatencyLedger, from: readonly string[], to: string): number | undefined {
  const end = ledger[to];
  if (end === undefined) return undefined;
  // The segment starts at the latest of its possible starting stages that was recorded.
  let start: number | undefined;
  for (const f of from) {
    const v = ledger[f];
    if (v !== undefined && (start === undefined || v > start)) start = v;
  }
  return start === undefined ? undefined : end - start;
}

/**
 * The budgeted segments a ledger has the stages for: STT (speech end to final transcript),
 * LLM (end of turn or STT final, whichever is later, to first token), TTS (first token to
 * first audio byte) and the whole response (speech end to first audio sent).
 */
export function latencySegments(ledger: LatencyLedger): LatencySegment[] {
  const out: LatencySegment[] = [];
  const add = (name: LatencySegment['name'], label: string, ms: number | undefined): void => {
    if (ms === undefined || !Number.isFinite(ms)) return;
    const budgetMs = LATENCY_BUDGET_MS[name];
    out.push({ name, label, ms, budgetMs, over: ms > budgetMs });
  };
  add('stt', 'speech end -> STT final', span(ledger, ['speechEnd'], 'sttFinal'));
  add('llm', 'end of turn -> LLM first token', span(ledger, ['endOfTurn', 'sttFinal'], 'llmFirstToken'));
  add('tts', 'LLM first token -> TTS first byte', span(ledger, ['llmFirstToken'], 'ttsFirstByte'));
  add('response', 'speech end -> first audio sent', span(ledger, ['speechEnd'], 'firstAudioSent'));
  return out;
}

/** Ledger entries in pipeline order: the well-known stages first, then the rest by time. */
export function orderedStages(ledger: LatencyLedger): Array<[string, number]> {
  const known = LATENCY_STAGES.filter((s) => ledger[s] !== undefined).map((s): [string, number] => [s, ledger[s] as number]);
  const rest = Object.entries(ledger)
    .filter(([k]) => !(LATENCY_STAGES as readonly string[]).includes(k))
    .sort((a, b) => a[1] - b[1]);
  return [...known, ...rest];
}
