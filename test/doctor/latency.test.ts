// The latency group with explicit budgets: a slow pipeline (every reply starts 1.6 s late)
// fails first audio and response; a server that sends each reply at once runs far ahead of
// playout, which shows in the checkpoint round trip and the pacing lead.
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/index.js';
import { check, FAST } from '../support/doctor.js';
import { startDoctorApp } from '../support/doctor-app.js';
import { useCleanup } from '../support/emulator.js';

const open = useCleanup();

describe('doctor latency checks', () => {
  it('a slow pipeline: first audio and the answer over three times the budget fail', async () => {
    const app = open(await startDoctorApp({ delayMs: 1600 }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl, idleMs: 0, greetingWaitMs: 4000, answerTimeoutMs: 5000, budget: { firstAudioMs: 500, responseMs: 500 } });
    const first = check(report, 'latency.first-audio');
    expect(first.status).toBe('fail');
    expect(first.data.ms).toBeGreaterThanOrEqual(1600);
    expect(first.seen).toContain('(budget 500 ms)');
    expect(first.fix).toContain('pre-generate');
    const response = check(report, 'latency.response');
    expect(response.status).toBe('fail');
    expect(response.data.ms).toBeGreaterThanOrEqual(1600);
    expect(response.fix).toContain('streaming STT');
  });

  it('replies sent at once: the checkpoint round trip and the pacing lead warn', async () => {
    const app = open(await startDoctorApp({ burst: true }));
    const report = await runDoctor({ ...FAST, answerUrl: app.answerUrl, idleMs: 0, maxLeadMs: 800, budget: { ...FAST.budget, checkpointMs: 800 } });
    const pacing = check(report, 'audio.pacing');
    expect(pacing.status).toBe('warn');
    expect(pacing.data.maxLeadMs).toBeGreaterThan(800);
    const cp = check(report, 'latency.checkpoint');
    expect(cp.status).toBe('warn');
    expect(cp.data.medianMs).toBeGreaterThan(800);
    expect(cp.fix).toContain('lead of a few hundred ms');
    // Late, not broken: nothing fails.
    expect(report.ok).toBe(true);
  });
});
