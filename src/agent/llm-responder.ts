/**
 * The default responder: the user's words go into the chat context, the LLM streams a reply
 * (with tool calls), text is cut into sentences and spoken as it comes. When the reply ends,
 * the context gets what the caller heard: all of it, or after a barge-in (or an LLM failure
 * mid-reply) only the heard part, marked interrupted.
 */
import { detach } from '../detached.js';
import type { LlmProvider, ProviderMetric } from '../providers/types.js';
import type { ChatContext } from './chat-context.js';
import type { FillerOptions } from './config.js';
import { type LlmTurnEvent, llmTurn } from './llm-turn.js';
import type { Reply, Responder, UserTurn } from './responder.js';
import { SentenceSplitter } from './sentence-splitter.js';
import type { Utterance } from './speech-output.js';
import type { Tool, ToolContext } from './tools.js';
import type { Clock } from '../clock.js';
import type { ToolCall } from '../providers/types.js';
import type { ToolOutcome } from './tools.js';

/** What the LLM responder needs from the session. */
export interface LlmResponderDeps {
  readonly llm: LlmProvider;
  readonly context: ChatContext;
  readonly tools: readonly Tool[];
  readonly clock: Clock;
  readonly fillers: FillerOptions;
  readonly toolContext: (signal: AbortSignal) => ToolContext;
  readonly onToolCall: (call: ToolCall, outcome: ToolOutcome, ms: number) => void;
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** Provider figures of each completion (failovers). */
  readonly onMetric?: (metric: ProviderMetric) => void;
}

/** The filler when none is configured (synthesized at start-up with the other fixed phrases). */
export const DEFAULT_FILLER = 'One moment, please.';

export class LlmResponder implements Responder {
  readonly #d: LlmResponderDeps;

  constructor(deps: LlmResponderDeps) {
    this.#d = deps;
  }

  async respond(turn: UserTurn, reply: Reply): Promise<void> {
    const d = this.#d;
    if (turn.text !== '') d.context.addUser(turn.text);
    let utterance = reply.utterance({ ledger: reply.ledger, label: `turn-${turn.index}` });
    let splitter = new SentenceSplitter();
    const phrase = d.fillers.phrase ?? DEFAULT_FILLER;
    // A model that has not started after slowReplyMs (stalled, or retrying a timeout) gets the
    // filler once; the reply's first sentence queues behind it (its audio item opens later).
    const slowMs = d.fillers.slowReplyMs ?? 2500;
    let replying = false;
    const slow = slowMs === false ? undefined : d.clock.setTimer(() => {
      if (!replying && !reply.signal.aborted) reply.say(phrase, { cache: true, label: 'filler', ledger: reply.ledger });
    }, slowMs);
    let failure: { readonly error: unknown } | undefined;
    try {
      for await (const ev of this.#turn(reply)) {
        if (!replying && slow !== undefined) d.clock.clearTimer(slow);
        replying = true;
        if (ev.type === 'text') {
          for (const s of splitter.push(ev.text)) utterance.addText(s);
          continue;
        }
        for (const s of splitter.flush()) utterance.addText(s);
        utterance.end();
        if (!ev.tools) break;
        // Tool round: its spoken text is already in the context with the tool calls; the answer
        // after the tools is a new utterance (queued behind any filler).
        // It carries the ledger too: when round 1 was only tool calls, the first audio the caller
        // hears (a filler, or this answer) marks the TTS and network stages and the total.
        utterance = reply.utterance({ ledger: reply.ledger, label: `turn-${turn.index}` });
        splitter = new SentenceSplitter();
      }
    } catch (e) {
      failure = { error: e };
    } finally {
      if (slow !== undefined) d.clock.clearTimer(slow);
    }
    // The open utterance is ended on every path: left open, it stays active in the session
    // (state 'speaking', idle prompts paused, no `reply` event). After a failure the sentences
    // already queued play out; the unfinished fragment in the splitter is dropped, not spoken.
    if (failure === undefined) for (const s of splitter.flush()) utterance.addText(s);
    utterance.end();
    if (failure !== undefined) {
      // Rethrown at once, so the session reports the error and queues its apology now; the
      // context still gets what the caller heard once the queued sentences have played,
      // marked interrupted: the model's reply was cut short.
      // Detached (the failure is rethrown now): recording the heard part must not escape either;
      // the session already reports the failure that matters.
      detach(() => this.#record(utterance, true), () => {});
      throw failure.error;
    }
    await this.#record(utterance, false);
  }

  /** Once the utterance has played or been cut, add what the caller heard to the context. */
  async #record(utterance: Utterance, cutShort: boolean): Promise<void> {
    const result = await utterance.done;
    if (result.text === '') return;
    if (result.status === 'played' && !cutShort) this.#d.context.addAssistant(result.text);
    else this.#d.context.addAssistant(result.heard, { interrupted: true });
  }

  #turn(reply: Reply): AsyncGenerator<LlmTurnEvent> {
    const d = this.#d;
    return llmTurn({
      llm: d.llm,
      context: d.context,
      tools: d.tools,
      signal: reply.signal,
      toolContext: d.toolContext(reply.signal),
      clock: d.clock,
      ledger: reply.ledger,
      fillerAfterMs: d.fillers.afterMs,
      defaultFiller: d.fillers.phrase ?? DEFAULT_FILLER,
      sayFiller: (text) => reply.say(text, { cache: true, label: 'filler', ledger: reply.ledger }).end(),
      onToolCall: d.onToolCall,
      temperature: d.temperature,
      maxTokens: d.maxTokens,
      onMetric: d.onMetric,
    });
  }
}
