// Shared pieces of the fuzz suites: run counts (bounded in `npm test`, scaled up by
// `npm run fuzz`), the "only CallwireErrors escape" check, and a heap-growth probe.
import { isCallwireError } from '../../src/errors.js';
import { liveBytes } from '../support/gc.js';

/** `npm run fuzz` sets FUZZ_SCALE (e.g. 20); `npm test` runs the base counts. */
export const FUZZ_SCALE = Math.max(1, Number(process.env.FUZZ_SCALE ?? '1') || 1);

/** `base` runs, times FUZZ_SCALE. */
export function runs(base: number): number {
  return Math.round(base * FUZZ_SCALE);
}

/**
 * A fresh seed per run (fast-check prints it with any failure) unless FUZZ_SEED is given,
 * so a failure seen in CI replays locally with `FUZZ_SEED=<seed> npm run fuzz`.
 */
export const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** fast-check parameters for a property: run count and (optional) seed. */
export function params(base: number): { numRuns: number; seed?: number } {
  return FUZZ_SEED === undefined ? { numRuns: runs(base) } : { numRuns: runs(base), seed: FUZZ_SEED };
}

/**
 * Names that are members of Object.prototype: any lookup keyed by input must miss them,
 * not resolve to the prototype. Mixed into every string a fuzz suite uses as a name, so the
 * bug class is hit on every run rather than by luck (a CI run found `format: '__proto__'`).
 */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'] as const;

/**
 * Run `fn`; a CallwireError (of one of `families`, when given) is an accepted outcome,
 * anything else thrown fails the property with what escaped.
 */
export function onlyCallwireErrors<T>(fn: () => T, families?: readonly string[]): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!isCallwireError(e)) throw new Error(`a non-CallwireError escaped: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    if (families !== undefined && !families.includes(e.family)) throw new Error(`a ${e.family} error (${e.code}) escaped; expected ${families.join(' or ')}`);
    return undefined;
  }
}

/**
 * Memory stays bounded: run `batch` once to warm up (code, caches, pools), then `rounds`
 * more times, and return how much the live bytes grew from after the warm-up. Tests bound it:
 * a leak of even a few hundred bytes per input crosses the bound over the thousands of inputs
 * the rounds feed.
 */
export function growthAfter(batch: () => void, rounds: number): number {
  batch();
  const before = liveBytes();
  for (let i = 0; i < rounds; i++) batch();
  return liveBytes() - before;
}
