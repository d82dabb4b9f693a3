/**
 * The per-stage latency budget of a turn (the troubleshooting guide's: STT < 200 ms, LLM < 500 ms,
 * TTS < 200 ms, network < 100 ms). Below every layer that reads it: the agent's ledger measures
 * against it; the dashboard, the doctor and the metrics show it.
 */

/** Stage budgets, ms. */
export interface LatencyBudget {
  readonly stt: number;
  readonly llm: number;
  readonly tts: number;
  readonly network: number;
}

/** The guide's budget. */
export const DEFAULT_BUDGET: LatencyBudget = { stt: 200, llm: 500, tts: 200, network: 100 };
