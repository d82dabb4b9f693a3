/**
 * The latency ledger of one turn, on the call's monotonic clock: caller speech end, the
 * end-of-turn decision, STT final, LLM first token, the first tool round, TTS first byte, first playAudio sent and
 * the first playedStream ack. Stage durations are compared with the troubleshooting guide's
 * budget (STT < 200 ms, LLM < 500 ms, TTS < 200 ms, network < 100 ms).
 */
import { DEFAULT_BUDGET, type LatencyBudget } from '../latency-budget.js';

/** Named moments of a turn (monotonic ms). */
export interface LedgerMarks {
  speechEnd?: number;
  endOfTurn?: number;
  sttFinal?: number;
  llmRequest?: number;
  llmFirstToken?: number;
  /** The turn's first tool round: its tools started, and the last of them finished. */
  toolStart?: number;
  toolEnd?: number;
  ttsRequest?: number;
  ttsFirstByte?: number;
  firstAudioSent?: number;
  /** When the caller started hearing the reply: the first frame's checkpoint ack minus the frame. */
  firstAudioHeard?: number;
}

/** Durations derived from the marks (ms; undefined when a mark is missing). */
export interface LedgerStages {
  /** Speech end -> STT final transcript. */
  readonly stt?: number;
  /** Speech end -> end-of-turn decision (endpointing). */
  readonly endpointing?: number;
  /** LLM request -> first token. */
  readonly llm?: number;
  /** The first tool round: tools started -> the last one finished (no budget: the tool's own work). */
  readonly tool?: number;
  /** TTS request -> first audio byte. */
  readonly tts?: number;
  /** First playAudio sent -> the caller hears it (Plivo's ack, minus the frame's own length). */
  readonly network?: number;
  /** Speech end -> the caller hears the reply: the response latency the caller feels. */
  readonly total?: number;
}

/** A finished ledger. */
export interface TurnLedger {
  readonly turn: number;
  readonly marks: Readonly<LedgerMarks>;
  readonly stages: LedgerStages;
  /** Stages over budget, worst first. */
  readonly overruns: readonly { readonly stage: keyof LatencyBudget; readonly ms: number; readonly budgetMs: number }[];
}

function diff(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : Math.max(0, b - a);
}

/** Collects one turn's marks; the first value of each mark wins. */
export class LatencyLedger {
  readonly turn: number;
  readonly marks: LedgerMarks = {};
  /** Resolves when `firstAudioHeard` is marked. */
  readonly whenHeard: Promise<void>;
  /**
   * Resolves when the ledger is complete: the first audio was heard and no tool round is still
   * running (a filler is often heard before the tools finish; the tool stage must be in the report).
   */
  readonly whenComplete: Promise<void>;
  #heard!: () => void;
  #complete!: () => void;

  constructor(turn: number) {
    this.turn = turn;
    this.whenHeard = new Promise((r) => {
      this.#heard = r;
    });
    this.whenComplete = new Promise((r) => {
      this.#complete = r;
    });
  }

  /** Record a moment (ignored if already set). */
  mark(name: keyof LedgerMarks, at: number): void {
    if (this.marks[name] !== undefined) return;
    this.marks[name] = at;
    if (name === 'firstAudioHeard') this.#heard();
    const toolRunning = this.marks.toolStart !== undefined && this.marks.toolEnd === undefined;
    if (this.marks.firstAudioHeard !== undefined && !toolRunning) this.#complete();
  }

  /** Stage durations so far. */
  stages(): LedgerStages {
    const m = this.marks;
    const heard = m.firstAudioHeard;
    return {
      stt: diff(m.speechEnd, m.sttFinal),
      endpointing: diff(m.speechEnd, m.endOfTurn),
      llm: diff(m.llmRequest, m.llmFirstToken),
      tool: diff(m.toolStart, m.toolEnd),
      tts: diff(m.ttsRequest, m.ttsFirstByte),
      network: m.firstAudioSent !== undefined && heard !== undefined ? Math.max(0, heard - m.firstAudioSent) : undefined,
      total: diff(m.speechEnd, heard),
    };
  }

  /** Finish: stages and overruns against `budget`. */
  report(budget: LatencyBudget = DEFAULT_BUDGET): TurnLedger {
    const stages = this.stages();
    const overruns: { stage: keyof LatencyBudget; ms: number; budgetMs: number }[] = [];
    for (const stage of ['stt', 'llm', 'tts', 'network'] as const) {
      const ms = stages[stage];
      if (ms !== undefined && ms > budget[stage]) overruns.push({ stage, ms, budgetMs: budget[stage] });
    }
    overruns.sort((a, b) => b.ms - b.budgetMs - (a.ms - a.budgetMs));
    return { turn: this.turn, marks: { ...this.marks }, stages, overruns };
  }
}

/** One line for logs and the built-in agent: "stt 180 ms, llm 420 ms, ... (llm over budget by 20 ms)". */
export function describeLedger(l: TurnLedger): string {
  const parts = (['endpointing', 'stt', 'llm', 'tool', 'tts', 'network', 'total'] as const)
    .filter((k) => l.stages[k] !== undefined)
    .map((k) => `${k} ${Math.round(l.stages[k] as number)} ms`);
  const over = l.overruns.map((o) => `${o.stage} over budget by ${Math.round(o.ms - o.budgetMs)} ms`);
  return `${parts.join(', ')}${over.length > 0 ? ` (${over.join('; ')})` : ''}`;
}
