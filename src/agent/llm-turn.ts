/**
 * One LLM turn: stream a completion; when the model calls tools, validate and run them
 * (speaking a filler if they are slow), add the results to the context and ask again, up to
 * `maxRounds`. Yields text as it streams, and marks the end of each round so each round's
 * speech can be its own utterance.
 */
import type { Clock } from '../clock.js';
import { ProviderError } from '../errors.js';
import type { LlmProvider, ProviderMetric, ToolCall } from '../providers/types.js';
import type { ChatContext } from './chat-context.js';
import type { LatencyLedger } from './latency-ledger.js';
import { type Tool, type ToolContext, type ToolOutcome, runTool, toolSchema } from './tools.js';

/** What a turn streams out. */
export type LlmTurnEvent =
  | { readonly type: 'text'; readonly text: string }
  /** A round ended; `tools` tells whether tool calls follow (then another round starts). */
  | { readonly type: 'round_end'; readonly tools: boolean };

/** Inputs of {@link llmTurn}. */
export interface LlmTurnOptions {
  readonly llm: LlmProvider;
  readonly context: ChatContext;
  readonly tools: readonly Tool[];
  readonly signal: AbortSignal;
  readonly toolContext: ToolContext;
  readonly clock: Clock;
  readonly ledger?: LatencyLedger;
  /** Speak a filler when tools run longer than this, ms (default 800). */
  readonly fillerAfterMs?: number;
  readonly defaultFiller?: string;
  readonly sayFiller: (text: string) => void;
  readonly onToolCall?: (call: ToolCall, outcome: ToolOutcome, ms: number) => void;
  readonly maxRounds?: number;
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly onMetric?: (metric: ProviderMetric) => void;
}

/** Stream one turn of the conversation. */
export async function* llmTurn(o: LlmTurnOptions): AsyncGenerator<LlmTurnEvent> {
  const schemas = o.tools.map(toolSchema);
  const byName = new Map(o.tools.map((t) => [t.name, t]));
  const maxRounds = o.maxRounds ?? 5;
  for (let round = 0; round < maxRounds; round++) {
    o.ledger?.mark('llmRequest', o.clock.now());
    let text = '';
    let calls: readonly ToolCall[] = [];
    for await (const ev of o.llm.chat({
      messages: o.context.messages,
      tools: schemas.length > 0 ? schemas : undefined,
      signal: o.signal,
      temperature: o.temperature,
      maxTokens: o.maxTokens,
      onMetric: o.onMetric,
    })) {
      if (o.signal.aborted) return;
      switch (ev.type) {
        case 'text':
          if (ev.text === '') break;
          o.ledger?.mark('llmFirstToken', o.clock.now());
          text += ev.text;
          yield { type: 'text', text: ev.text };
          break;
        case 'tool_calls':
          o.ledger?.mark('llmFirstToken', o.clock.now());
          calls = [...calls, ...ev.calls];
          break;
        case 'done':
          break;
        default: {
          const never: never = ev;
          throw new ProviderError('PROVIDER_PROTOCOL', o.llm.name, `unknown LLM event ${String((never as { type: string }).type)}`);
        }
      }
    }
    if (calls.length === 0) {
      yield { type: 'round_end', tools: false };
      return;
    }
    yield { type: 'round_end', tools: true };
    o.context.addAssistant(text, { toolCalls: calls });
    await runCalls(o, calls, byName);
    if (o.signal.aborted) return;
  }
}

async function runCalls(o: LlmTurnOptions, calls: readonly ToolCall[], byName: Map<string, Tool>): Promise<void> {
  const fillerAfter = o.fillerAfterMs ?? 800;
  let fillerSaid = false;
  const fillers = calls.map((c) => byName.get(c.name)?.filler).filter((f) => f !== false);
  // A slow tool gets a filler; because the Player plays in order, the tool's answer queues
  // behind the filler and never cuts it off.
  const fillerText = fillers.find((f): f is string => typeof f === 'string') ?? (fillers.length > 0 ? o.defaultFiller : undefined);
  const timer = fillerText === undefined ? undefined : o.clock.setTimer(() => {
    fillerSaid = true;
    if (!o.signal.aborted) o.sayFiller(fillerText);
  }, fillerAfter);
  o.ledger?.mark('toolStart', o.clock.now());
  const outcomes = await Promise.all(
    calls.map(async (call) => {
      const t0 = o.clock.now();
      const tool = byName.get(call.name);
      const outcome: ToolOutcome =
        tool === undefined
          ? { ok: false, content: `Error: there is no tool named ${call.name}` }
          : await runTool(tool, call.arguments, o.toolContext);
      o.onToolCall?.(call, outcome, o.clock.now() - t0);
      return outcome;
    }),
  );
  o.ledger?.mark('toolEnd', o.clock.now());
  if (timer !== undefined && !fillerSaid) o.clock.clearTimer(timer);
  for (const [i, call] of calls.entries()) o.context.addToolResult(call.id, (outcomes[i] as ToolOutcome).content);
}
