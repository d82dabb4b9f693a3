// Issue 18, "doctor, round 2": the doctor against small broken Plivo stream servers written
// from scratch (broken-servers.ts: plain node:http + ws, one fault each), each of which
// today's doctor missed or misnamed, and against healthy servers (callwire's built-in, echo
// and LLM-on-fakes agents, the doctor's own test app and the from-scratch server without a
// fault), which must show no warning or failure at all. Runs concurrently with short
// timings (FAST) so the file stays a few seconds per server.
import { describe, expect, it } from 'vitest';
import { builtinAgent } from '../../src/agent/builtin.js';
import { type DoctorOptions, type DoctorReport, runDoctor } from '../../src/doctor/index.js';
import { startRig } from '../support/agent-rig.js';
import { check, FAST, problems } from '../support/doctor.js';
import { startDoctorApp } from '../support/doctor-app.js';
import { startServer } from '../support/server.js';
import { type BrokenServerOptions, startBrokenServer, startOfflineTunnel } from './broken-servers.js';

interface Closable {
  close(): Promise<void>;
}

/** Run the doctor against a server that is closed afterwards, whatever happens. */
async function diagnose<S extends Closable>(start: Promise<S>, options: (s: S) => DoctorOptions): Promise<DoctorReport> {
  const server = await start;
  try {
    return await runDoctor({ ...FAST, ...options(server) });
  } finally {
    await server.close();
  }
}

function broken(o: BrokenServerOptions, extra: DoctorOptions = {}): Promise<DoctorReport> {
  return diagnose(startBrokenServer(o), (s) => ({ answerUrl: s.answerUrl, ...extra }));
}

describe.concurrent('doctor round 2: broken servers are named by their real cause', () => {
  it('1. speech made at 8 kHz declared as L16 16 kHz: audio.rate fails although the pitch is in the normal band', async () => {
    const report = await broken({ fault: 'double-rate' });
    const rate = check(report, 'audio.rate');
    expect(rate.status).toBe('fail');
    expect(rate.data.medianPitchHz).toBeGreaterThan(150);
    expect(rate.data.medianPitchHz).toBeLessThan(300);
    expect(rate.data.lowBand).toBeLessThan(0.55);
    expect(rate.seen).toContain('below 1 kHz');
    expect(rate.seen).toContain('about 8000 Hz played as 16000 Hz');
    expect(rate.fix).toContain('resample the audio to 16000 Hz');
    expect(check(report, 'audio.content-type').status).toBe('ok');
  });
  it('2. a greeting later than the doctor waits: judged as first audio, and its collision with the caller said', async () => {
    // The greeting comes 1.8 s after start: past the 1.5 s wait, so it plays over the caller,
    // and over three times a 500 ms budget. The idle stream (3 s) hears it unprompted.
    const report = await broken({ fault: 'late-greeting', greetDelayMs: 1800 }, { idleMs: 3000, budget: { ...FAST.budget, firstAudioMs: 500 } });
    const first = check(report, 'latency.first-audio');
    expect(first.status, first.seen).toBe('fail');
    expect(first.data.ms).toBeGreaterThan(1500);
    expect(first.seen).toContain('over the caller');
    expect(first.seen).toMatch(/the doctor waited 1\.5 s/);
    expect(first.fix).toContain('pre-generate');
    expect(check(report, 'audio.first').seen).toContain('a late greeting');
  });

  it('3. a handler that crashes (close 1011 with a reason): a server error with code, reason and the logs, not idle advice', async () => {
    const report = await broken({ fault: 'crash-1011', crashAfterMs: 800 });
    const idle = check(report, 'websocket.idle');
    expect(idle.status).toBe('fail');
    expect(idle.seen).toContain('1011');
    expect(idle.seen).toContain("TypeError: Cannot read properties of undefined (reading 'text')");
    expect(idle.seen).toContain('server error');
    expect(idle.fix).toContain("server's logs");
    expect(idle.fix).not.toContain('idle timeout');
    expect(idle.data.closeCode).toBe(1011);
  });
  it.each(['ngrok', 'cloudflare'] as const)('4. an offline %s tunnel on the stream URL: named as a tunnel, not a wrong path', async (kind) => {
    const report = await diagnose(startOfflineTunnel(kind), (s) => ({ streamUrl: s.streamUrl, call: false, idleMs: 0 }));
    const handshake = check(report, 'websocket.handshake');
    expect(handshake.status).toBe('fail');
    expect(handshake.seen).toContain(kind === 'ngrok' ? 'ERR_NGROK_3200 (HTTP 404): the tunnel is offline' : 'Cloudflare answers HTTP 530');
    expect(handshake.seen).not.toContain('nothing serves');
    expect(handshake.fix).toContain('restart the tunnel');
    expect(handshake.fix).not.toContain('fix the path');
  });
  it('5. a bot that hears itself (audioTrack both): self-interruption is named, not an answer to the caller', async () => {
    const report = await broken({ fault: 'hears-itself' }, { maxTurnMs: 4000 });
    const response = check(report, 'audio.response');
    expect(response.status).toBe('fail');
    expect(response.seen).toContain('cleared its own audio');
    expect(response.seen).toContain('hears itself');
    expect(response.fix).toContain('audioTrack="inbound"');
    expect(response.fix).toContain('outbound');
  });

  it('5. a bot that hears itself without barge-in: it answers itself before the caller speaks', async () => {
    const report = await broken({ fault: 'answers-itself' }, { maxTurnMs: 4000 });
    const response = check(report, 'audio.response');
    expect(response.status).toBe('fail');
    expect(response.seen).toContain('before the caller had said anything');
    expect(response.seen).toContain('answers itself');
    expect(response.fix).toContain('audioTrack="inbound"');
  });
});

describe.concurrent('doctor round 2: no new false alarm on healthy servers', () => {
  it('the from-scratch server without a fault', async () => {
    const report = await broken({ fault: 'none' }, { idleMs: 2500 });
    expect(problems(report)).toEqual([]);
    expect(check(report, 'audio.rate').status).toBe('ok');
  });

  it.each(['mulaw/8000', 'l16/16000'] as const)('the doctor test app (greets, echoes) at %s', async (format) => {
    const report = await diagnose(startDoctorApp({ format }), (a) => ({ answerUrl: a.answerUrl, idleMs: 2500 }));
    expect(problems(report)).toEqual([]);
  });

  it("callwire's echo handler (no greeting: speaks while the caller does)", async () => {
    const report = await diagnose(startServer(), (s) => ({ answerUrl: `${s.http}/plivo/answer`, idleMs: 2500, budget: { ...FAST.budget, firstAudioMs: 500 } }));
    expect(problems(report)).toEqual([]);
  });

  it("callwire's built-in agent", async () => {
    const report = await diagnose(startServer({ agent: builtinAgent() }), (s) => ({ answerUrl: `${s.http}/plivo/answer`, idleMs: 2500 }));
    expect(problems(report)).toEqual([]);
  });

  it("callwire's LLM agent on fake Deepgram and OpenAI", async () => {
    const report = await diagnose(startRig({ agent: { greeting: 'Hello, how can I help?' } }), (r) => ({ answerUrl: r.answerUrl, idleMs: 2500 }));
    expect(problems(report)).toEqual([]);
  });
});
