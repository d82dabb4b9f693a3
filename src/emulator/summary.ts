/** Percentile summaries for latency and pacing figures. */

/** A distribution summary (all values in ms). */
export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** The value at quantile `q` (0..1) of ascending `sorted` (nearest rank); NaN when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/** Summarise values (NaN fields when there are none). */
export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const n = sorted.length;
  return {
    count: n,
    min: n === 0 ? Number.NaN : (sorted[0] as number),
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: n === 0 ? Number.NaN : (sorted[n - 1] as number),
    mean: n === 0 ? Number.NaN : sum / n,
  };
}
