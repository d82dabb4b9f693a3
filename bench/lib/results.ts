/** What `npm run bench` writes to `bench/results/*.json`, section by section. */
import type { AudioRow } from '../audio.js';
import type { CapacityResult } from '../capacity.js';
import type { LatencyRow } from '../latency.js';
import type { LeakRun, PerCall } from '../memory.js';
import type { TurnResult } from '../turn.js';
import type { BenchPlan } from './plan.js';

/** The machine a section ran on. */
export interface Machine {
  readonly cpus: number;
  readonly cpu: string;
  readonly node: string;
  readonly os: string;
}

/** When, where and how one section was measured. */
export interface SectionMeta {
  readonly command: string;
  readonly plan: BenchPlan['name'];
  readonly when: string;
  readonly machine: Machine;
  /** 1-minute load average before and after: above ~0.5 per core the machine was not quiet. */
  readonly loadBefore: number;
  readonly loadAfter: number;
  readonly seconds: number;
}

/** One measured section. */
export interface Measured<T> {
  readonly meta: SectionMeta;
  readonly data: T;
}

/** The results file: every section that has been measured, each with its own meta. */
export interface BenchResults {
  audio?: Measured<{ readonly seconds: number; readonly repeat: number; readonly rows: readonly AudioRow[] }>;
  capacity?: Measured<readonly CapacityResult[]>;
  latency?: Measured<{ readonly capacity: number; readonly rows: readonly LatencyRow[] }>;
  turn?: Measured<TurnResult>;
  memory?: Measured<readonly PerCall[]>;
  leak?: Measured<LeakRun & { readonly capacity: number; readonly share: number }>;
}
