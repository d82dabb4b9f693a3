/**
 * Function calling: tools with zod-typed parameters, validated before they run, with a
 * timeout; results go back to the model as text. Built-in tools hang up, transfer the call
 * (Plivo REST) and send DTMF.
 */
import { z } from 'zod';
import { CallwireError } from '../errors.js';
import type { ToolSchema } from '../providers/types.js';
import type { CollectDigitsOptions, CollectedDigits } from './digits.js';

/** What a tool can do to the call. */
export interface ToolContext {
  /** Aborted when the turn is interrupted or the call ends. */
  readonly signal: AbortSignal;
  /** Plivo call id. */
  readonly callId: string;
  /** Say something now (queued after what is already playing). */
  say(text: string): Promise<void>;
  /** End the call after what is queued has played. */
  hangup(reason?: string): Promise<void>;
  /** Transfer the call to a number or SIP URI. */
  transfer(to: string): Promise<void>;
  /** Play DTMF tones into the call. */
  sendDtmf(digits: string): void;
  /** Collect keypad digits from the caller (e.g. an account number, a DTMF fallback). */
  collectDigits(options?: CollectDigitsOptions): Promise<CollectedDigits>;
}

/** A tool the model may call. */
export interface Tool<P extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly parameters: P;
  execute(args: z.infer<P>, ctx: ToolContext): unknown | Promise<unknown>;
  /** Spoken when the tool runs longer than the agent's filler delay; `false` for none. */
  readonly filler?: string | false;
  /** Fail the call after this long, ms (default 15 s). */
  readonly timeoutMs?: number;
}

/** Define a tool (identity, for type inference of `execute`'s arguments). */
export function defineTool<P extends z.ZodType>(tool: Tool<P>): Tool<P> {
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) {
    throw new CallwireError('CONFIG_INVALID', `tool name "${tool.name.slice(0, 70)}" must match ^[a-zA-Z0-9_-]{1,64}$`);
  }
  return tool;
}

/** The JSON-schema form the LLM is given. */
export function toolSchema(tool: Tool): ToolSchema {
  const schema = z.toJSONSchema(tool.parameters, { target: 'draft-7' }) as Record<string, unknown>;
  delete schema.$schema;
  return { name: tool.name, description: tool.description, parameters: schema };
}

/** The outcome of one tool call, as the model will read it. */
export interface ToolOutcome {
  readonly ok: boolean;
  readonly content: string;
  readonly error?: CallwireError;
}

/** Validate arguments, run the tool with a timeout, and stringify its result. Never throws. */
export async function runTool(tool: Tool, rawArgs: string, ctx: ToolContext): Promise<ToolOutcome> {
  let parsedJson: unknown;
  try {
    parsedJson = rawArgs.trim() === '' ? {} : JSON.parse(rawArgs);
  } catch (cause) {
    const error = new CallwireError('AGENT_TOOL_INVALID_ARGS', `arguments for ${tool.name} are not valid JSON`, { cause });
    return { ok: false, content: `Error: ${error.message}`, error };
  }
  const parsed = tool.parameters.safeParse(parsedJson);
  if (!parsed.success) {
    const error = new CallwireError('AGENT_TOOL_INVALID_ARGS', `invalid arguments for ${tool.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    return { ok: false, content: `Error: ${error.message}`, error };
  }
  const timeoutMs = tool.timeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      Promise.resolve(tool.execute(parsed.data, ctx)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CallwireError('AGENT_TOOL_FAILED', `${tool.name} took longer than ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, content: typeof result === 'string' ? result : result === undefined ? 'done' : JSON.stringify(result) };
  } catch (e) {
    const error = e instanceof CallwireError ? e : new CallwireError('AGENT_TOOL_FAILED', `${tool.name} failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    return { ok: false, content: `Error: ${error.message}`, error };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Built-in: end the call (after the goodbye the model says has played). */
export const hangupTool = defineTool({
  name: 'hangup',
  description: 'End the phone call. Say goodbye first; the call ends once your goodbye has played.',
  parameters: z.object({ reason: z.string().optional().describe('why the call is ending') }),
  filler: false,
  async execute({ reason }, ctx) {
    await ctx.hangup(reason ?? 'the agent ended the call');
    return 'the call is ending';
  },
});

/** Built-in: transfer the call to a phone number or SIP URI through Plivo. */
export const transferTool = defineTool({
  name: 'transfer',
  description: 'Transfer the caller to another phone number (E.164, e.g. +14155550100) or SIP URI.',
  parameters: z.object({ to: z.string().regex(/^(\+?[0-9]{3,15}|sip:[^\s]{3,200})$/, 'an E.164 number or sip: URI') }),
  filler: 'Please hold while I transfer you.',
  async execute({ to }, ctx) {
    await ctx.transfer(to);
    return `transferring to ${to}`;
  },
});

/** Built-in: send DTMF tones (navigate another IVR). */
export const sendDtmfTool = defineTool({
  name: 'send_dtmf',
  description: 'Press keys on the phone keypad (digits 0-9, *, #, A-D), e.g. to navigate a menu.',
  parameters: z.object({ digits: z.string().regex(/^[0-9A-D*#]{1,32}$/) }),
  filler: false,
  execute({ digits }, ctx) {
    ctx.sendDtmf(digits);
    return `sent ${digits}`;
  },
});
