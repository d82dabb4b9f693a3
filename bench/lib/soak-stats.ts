/**
 * The soak's samples and what they say: is the server's RSS, live heap, handle count and
 * event-loop lag flat over a long run? Steady state starts after the warm-up; "flat" compares
 * the first and last fifths of it and fits a line through all of it.
 */

/** One sample of the server under load. */
export interface SoakSample {
  /** Seconds since the load started. */
  readonly t: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Heap after a forced full collection (taken every few samples), else null. */
  readonly liveHeapBytes: number | null;
  readonly activeHandles: number;
  readonly activeStreams: number;
  /** Event-loop delay since the previous sample (the server's inbound processing lag). */
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  /** The previous sample forced a collection: this window's lag includes that pause. */
  readonly afterForcedGc: boolean;
  readonly cpuPercent: number;
}

/** A series summarised over the steady state. */
export interface Trend {
  /** Median of the first fifth of the steady state. */
  readonly start: number;
  /** Median of the last fifth. */
  readonly end: number;
  readonly min: number;
  readonly max: number;
  /** Least-squares slope, per hour. */
  readonly slopePerHour: number;
}

/** The verdict on one series. */
export interface Flatness {
  readonly series: string;
  readonly trend: Trend;
  readonly flat: boolean;
  readonly rule: string;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Start/end medians (of the first and last `edge` points), range and least-squares slope of
 * `[seconds, value]` points.
 */
export function lineTrend(pts: readonly (readonly [number, number])[], edge: number): Trend {
  const ys = pts.map((p) => p[1]);
  const n = pts.length;
  const mx = pts.reduce((a, p) => a + p[0], 0) / Math.max(1, n);
  const my = ys.reduce((a, y) => a + y, 0) / Math.max(1, n);
  const sxy = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const sxx = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return {
    start: median(ys.slice(0, edge)),
    end: median(ys.slice(-edge)),
    min: Math.min(...ys),
    max: Math.max(...ys),
    slopePerHour: sxx === 0 ? 0 : (sxy / sxx) * 3600,
  };
}

/** {@link lineTrend} of `pick` over the samples, with fifths as the start and end. */
export function trend(samples: readonly SoakSample[], pick: (s: SoakSample) => number | null): Trend {
  const pts = samples.flatMap((s) => {
    const v = pick(s);
    return v === null ? [] : [[s.t, v] as const];
  });
  return lineTrend(pts, Math.max(1, Math.floor(pts.length / 5)));
}

const MB = 1024 * 1024;

/**
 * Verdicts. Memory is flat when the last fifth's median is within 10 % (and 20 MB) of the
 * first fifth's; handles when the last fifth's median is within 2 % of the first's (calls come
 * and go, so the count moves with the calls in flight); lag when the p99 of the last fifth is
 * no worse than the first's plus 5 ms.
 */
export function judgeFlat(samples: readonly SoakSample[]): Flatness[] {
  const rss = trend(samples, (s) => s.rssBytes);
  const live = trend(samples, (s) => s.liveHeapBytes);
  const handles = trend(samples, (s) => s.activeHandles);
  const lag = trend(
    samples.filter((s) => !s.afterForcedGc),
    (s) => s.lagP99Ms,
  );
  const within = (t: Trend, frac: number, abs: number): boolean => t.end - t.start <= Math.max(t.start * frac, abs);
  return [
    { series: 'RSS', trend: rss, flat: within(rss, 0.1, 20 * MB), rule: 'last fifth within 10 % (or 20 MB) of the first' },
    { series: 'live heap (after GC)', trend: live, flat: within(live, 0.1, 10 * MB), rule: 'last fifth within 10 % (or 10 MB) of the first' },
    { series: 'active handles', trend: handles, flat: within(handles, 0.02, 4), rule: 'last fifth within 2 % (or 4) of the first' },
    { series: 'event-loop lag p99', trend: lag, flat: lag.end <= lag.start + 5, rule: 'last fifth no more than 5 ms above the first' },
  ];
}

function fmt(series: string, value: number): string {
  const v = Math.abs(value) < 0.05 ? 0 : value;
  if (series === 'RSS' || series.startsWith('live heap')) return `${(v / MB).toFixed(1)} MB`;
  if (series.startsWith('event-loop')) return `${v.toFixed(1)} ms`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** The BENCHMARKS.md table rows for the verdicts. */
export function flatnessTable(verdicts: readonly Flatness[]): string[] {
  const rows = ['| series | steady start (median) | steady end (median) | min / max | slope per hour | flat? |', '|---|---|---|---|---|---|'];
  for (const v of verdicts) {
    const t = v.trend;
    rows.push(`| ${v.series} | ${fmt(v.series, t.start)} | ${fmt(v.series, t.end)} | ${fmt(v.series, t.min)} / ${fmt(v.series, t.max)} | ${fmt(v.series, t.slopePerHour)} | ${v.flat ? 'yes' : `**no** (${v.rule})`} |`);
  }
  return rows;
}
