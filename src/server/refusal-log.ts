/** One log line per refusal code, sampled (1st, 10th, 100th, ...) with its running count. */
import type { ServerContext } from './context.js';

/** Log a refused request or upgrade; a flood of the same refusal logs only its powers of ten. */
export function logRefusal(ctx: Pick<ServerContext, 'log' | 'refusals'>, code: string, fields: Readonly<Record<string, unknown>>, message: string): void {
  const count = ctx.refusals.hit(code);
  if (count !== undefined) ctx.log.warn({ code, count, ...fields }, message);
}
