import { defineConfig } from 'vitest/config';

// `npm run fuzz` multiplies every fuzz suite's runs by FUZZ_SCALE; the timeout (the fuzz
// suites' hang detector) scales with it, or the longer runs would time out, not fail.
const scale = Math.max(1, Number(process.env.FUZZ_SCALE ?? '1') || 1);

// Folders whose tests are real calls end to end (emulator, server, providers against fakes, the
// CLI as a child process, Chromium): they get the longer timeout explicitly. Every other test
// file, and any new one outside these folders, is held to the default: a hung test fails in 15 s.
const integration = [
  'test/agent/{barge-in,builtin-agent,define-agent,failover,ledger-e2e,llm-agent,llm-responder,no-escape,provider-faults,resume,tts-cache}.test.ts',
  'test/{bench,cli,dashboard,doctor,emulator,examples,fuzz,hostile,oracle,providers,server,store,stream,testing}/**/*.test.ts',
];

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: integration, testTimeout: 15_000 * scale } },
      { extends: true, test: { name: 'integration', include: integration, testTimeout: 60_000 * scale } },
    ],
  },
});
