/** A conversational turn from the caller's side, shared by `callwire call` and `callwire load`. */
import { isCallwireError } from '../errors.js';
import type { EmulatedCall } from './call.js';

/** Options of {@link takeTurn}. */
export interface TakeTurnOptions {
  /** How long to wait for the bot to start answering (real ms). */
  readonly replyTimeoutMs: number;
  /** Audio ms of bot silence that ends its answer. */
  readonly quietMs: number;
}

/**
 * Optionally speak, then wait for the bot to answer and go quiet. Resolves true when the bot
 * answered, false when it stayed silent until the timeout. Rejects when the call ended.
 */
export async function takeTurn(call: EmulatedCall, speak: (() => Promise<void>) | undefined, options: TakeTurnOptions): Promise<boolean> {
  if (speak !== undefined) await speak();
  try {
    await call.waitForBotSpeech({ timeoutMs: options.replyTimeoutMs });
  } catch (e) {
    if (isCallwireError(e) && e.code === 'EMULATOR_TIMEOUT') return false;
    throw e;
  }
  await call.waitForBotSilence(options.quietMs, { timeoutMs: options.replyTimeoutMs + 120_000 });
  return true;
}
