/** The line fit that judges "flat" for both the 10-minute leak run and the soak. */
import { describe, expect, it } from 'vitest';
import { type SoakSample, lineTrend, trend } from '../../bench/lib/soak-stats.js';

describe('lineTrend', () => {
  it('fits the slope per hour and takes medians of the edges, so one outlier does not move them', () => {
    // 1 MB per minute = 60 MB per hour, one spike in the first three samples.
    const pts = Array.from({ length: 10 }, (_, i) => [i * 60, 100e6 + i * 1e6 + (i === 1 ? 50e6 : 0)] as const);
    const t = lineTrend(pts, 3);
    expect(t.start).toBe(102e6); // median of 100, 151, 102
    expect(t.end).toBe(108e6); // median of 107, 108, 109
    expect(t.min).toBe(100e6);
    expect(t.max).toBe(151e6);
    const flat = lineTrend(Array.from({ length: 10 }, (_, i) => [i * 60, 5] as const), 3);
    expect(flat.slopePerHour).toBe(0);
    expect(lineTrend([[0, 0], [3600, 7]], 1).slopePerHour).toBe(7);
  });

  it('trend() skips samples without the series and uses fifths as the edges', () => {
    const samples = Array.from({ length: 10 }, (_, i) => ({ t: i * 10, liveHeapBytes: i % 2 === 0 ? i : null }) as unknown as SoakSample);
    const t = trend(samples, (s) => s.liveHeapBytes);
    expect(t.start).toBe(0); // 5 points, a fifth is one point
    expect(t.end).toBe(8);
    expect(t.slopePerHour).toBeCloseTo(360, 6); // 1 byte per 10 s
  });
});
