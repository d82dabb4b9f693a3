import { defineConfig } from 'vitest/config';

// `npm run fuzz` multiplies every fuzz suite's runs by FUZZ_SCALE; the timeout (the fuzz
// suites' hang detector) scales with it, or the longer runs would time out, not fail.
const scale = Math.max(1, Number(process.env.FUZZ_SCALE ?? '1') || 1);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000 * scale,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
