/** How much `npm run bench` measures: the full run, `--quick`, and the tiny run the tests use. */

/** Every knob of one run. */
export interface BenchPlan {
  readonly name: 'full' | 'quick' | 'tiny';
  readonly audio: { readonly seconds: number; readonly repeat: number };
  /** Concurrency levels stepped through, the seconds each holds, and bisections after the first failure. */
  readonly capacity: { readonly levels: readonly number[]; readonly durationS: number; readonly bisections: number };
  /** Shares of the measured capacity (percent), the probe's marked frames at each, and how long the background calls ramp first. */
  readonly latency: { readonly shares: readonly number[]; readonly probeFrames: number; readonly rampWaitMs: number };
  readonly turn: { readonly calls: number; readonly turnsPerCall: number };
  /** Calls opened per server for the per-call figures; which servers; seconds of talk for "active". */
  readonly memory: { readonly calls: number; readonly agents: readonly string[]; readonly activeSeconds: number };
  /** The long run at half of capacity. */
  readonly leak: { readonly minutes: number; readonly sampleSeconds: number; readonly share: number };
}

/** The run the numbers in BENCHMARKS.md come from (under 20 minutes on 2 cores). */
export const FULL: BenchPlan = {
  name: 'full',
  audio: { seconds: 60, repeat: 20 },
  capacity: { levels: [25, 50, 100, 200, 400, 800], durationS: 8, bisections: 2 },
  latency: { shares: [10, 50, 80], probeFrames: 500, rampWaitMs: 3000 },
  turn: { calls: 6, turnsPerCall: 4 },
  memory: { calls: 50, agents: ['callwire echo', 'callwire built-in', 'raw ws echo (baseline)'], activeSeconds: 14 },
  leak: { minutes: 10, sampleSeconds: 10, share: 50 },
};

/** A smoke run of every section (under 3 minutes): small loads, short windows, the same code. */
export const QUICK: BenchPlan = {
  name: 'quick',
  audio: { seconds: 10, repeat: 5 },
  capacity: { levels: [20], durationS: 5, bisections: 0 },
  latency: { shares: [10, 50, 80], probeFrames: 100, rampWaitMs: 1500 },
  turn: { calls: 1, turnsPerCall: 1 },
  memory: { calls: 10, agents: ['callwire echo', 'raw ws echo (baseline)'], activeSeconds: 6 },
  leak: { minutes: 0.75, sampleSeconds: 5, share: 50 },
};

/** `--quick --tiny`: what the test suite runs to prove the harness works end to end. */
export const TINY: BenchPlan = {
  name: 'tiny',
  audio: { seconds: 1, repeat: 1 },
  capacity: { levels: [2], durationS: 3, bisections: 0 },
  latency: { shares: [50], probeFrames: 50, rampWaitMs: 1500 },
  turn: { calls: 1, turnsPerCall: 1 },
  memory: { calls: 2, agents: ['callwire echo'], activeSeconds: 4 },
  leak: { minutes: 0.25, sampleSeconds: 5, share: 50 },
};

/** The sections, in the order they run. */
export const SECTIONS = ['audio', 'capacity', 'latency', 'turn', 'memory', 'leak'] as const;
export type Section = (typeof SECTIONS)[number];
