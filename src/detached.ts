/**
 * Detached work that must never escape. A `void promise` whose rejection nobody handles is
 * an unhandled rejection, and Node's default for that is to end the process: every call on
 * it, for one call's fault. {@link detach} runs the work and routes any failure, as a coded
 * error, to the owner's error path (a session logs it, samples it, emits it).
 */
import { type CallwireError, type ErrorCode, errorFor, isCallwireError } from './errors.js';

/** Where a detached task's failure goes. It must not throw (if it does, that is swallowed). */
export type DetachedFailure = (error: CallwireError) => void;

/**
 * Run `work` (a promise, or a function returning one, which may also throw at once) without
 * awaiting it; a rejection or throw becomes a CallwireError (non-callwire errors get
 * `fallback`, default AGENT_TASK_FAILED, with the original as `cause`) passed to `onFailure`.
 */
export function detach(work: Promise<unknown> | (() => unknown), onFailure: DetachedFailure, fallback: ErrorCode = 'AGENT_TASK_FAILED'): void {
  const fail = (e: unknown): void => {
    try {
      onFailure(asCoded(e, fallback));
    } catch {
      // The error path itself failed: nothing is left to tell, and it must not reach the process.
    }
  };
  try {
    const p = typeof work === 'function' ? work() : work;
    if (p instanceof Promise) p.catch(fail);
  } catch (e) {
    fail(e);
  }
}

/** `e` as a CallwireError: itself when it is one, else wrapped with `fallback`. */
export function asCoded(e: unknown, fallback: ErrorCode = 'AGENT_TASK_FAILED'): CallwireError {
  if (isCallwireError(e)) return e;
  return errorFor(fallback, (e as Error)?.message ?? String(e), { cause: e });
}
