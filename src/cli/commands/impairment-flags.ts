/** `--loss`, `--jitter`, `--burst` and `--seed`: network impairments on the caller's frames (`call` and `load`). */
import type { Command } from 'commander';
import type { Impairments } from '../../emulator/impairments.js';
import { ConfigError } from '../../errors.js';

/** The flags as commander hands them over. */
export interface ImpairmentFlags {
  loss?: string;
  jitter?: string;
  burst?: string;
  seed?: string;
}

function num(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError('CONFIG_INVALID', `${flag} must be a number (got "${value.slice(0, 20)}")`);
  return n;
}

/** Add the impairment options to a command. */
export function withImpairmentFlags(command: Command): Command {
  return command
    .option('--loss <rate>', 'lose this fraction of caller frames (0-1)')
    .option('--jitter <ms>', 'delay each caller frame by up to this many ms')
    .option('--burst <every:hold>', 'hold caller frames for HOLD ms every EVERY ms')
    .option('--seed <n>', 'seed for --loss/--jitter');
}

/** Impairments from the flags, or undefined when none was given. @throws ConfigError */
export function impairmentsFrom(f: ImpairmentFlags): Impairments | undefined {
  if (f.loss === undefined && f.jitter === undefined && f.burst === undefined) return undefined;
  let burst: Impairments['burst'];
  if (f.burst !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(f.burst);
    if (m === null) throw new ConfigError('CONFIG_INVALID', '--burst must be EVERY_MS:HOLD_MS, e.g. 2000:300');
    burst = { everyMs: Number(m[1]), holdMs: Number(m[2]) };
  }
  return { lossRate: num(f.loss, '--loss', 0), jitterMs: num(f.jitter, '--jitter', 0), burst, seed: num(f.seed, '--seed', 1) };
}
