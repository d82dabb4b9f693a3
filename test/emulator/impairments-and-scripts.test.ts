import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeWav, tone } from '../../src/audio/index.js';
import { ManualClock } from '../../src/clock.js';
import { Impairer } from '../../src/emulator/impairments.js';
import { PlivoEmulator } from '../../src/emulator/index.js';
import { parseScript, readScript, runScript } from '../../src/emulator/script.js';
import { codeOf, eventsOf, useCleanup } from '../support/emulator.js';
import { startFakeApp } from '../support/fake-app.js';
import { parrot } from '../support/parrot.js';

const open = useCleanup();

describe('Impairer', () => {
  it('is deterministic per seed, keeps order, and loses about the configured fraction', () => {
    const a = new Impairer({ lossRate: 0.2, jitterMs: 30, seed: 7 }, 0);
    const b = new Impairer({ lossRate: 0.2, jitterMs: 30, seed: 7 }, 0);
    const times = Array.from({ length: 2000 }, (_, i) => i * 20);
    const ra = times.map((t) => a.schedule(t));
    expect(times.map((t) => b.schedule(t))).toEqual(ra);
    const lost = ra.filter((r) => r === undefined).length;
    expect(lost / 2000).toBeGreaterThan(0.15);
    expect(lost / 2000).toBeLessThan(0.25);
    const kept = ra.filter((r): r is number => r !== undefined);
    for (let i = 1; i < kept.length; i++) expect(kept[i]).toBeGreaterThanOrEqual(kept[i - 1]!);
    ra.forEach((r, i) => {
      if (r !== undefined) expect(r - times[i]!).toBeLessThanOrEqual(30);
    });
  });

  it('holds frames during each burst window and releases them together', () => {
    const imp = new Impairer({ burst: { everyMs: 1000, holdMs: 200 } }, 0);
    expect([0, 100, 180, 200, 220, 1000, 1199].map((t) => imp.schedule(t))).toEqual([200, 200, 200, 200, 220, 1200, 1200]);
  });

  it('rejects impossible settings', () => {
    expect(() => new Impairer({ lossRate: 2 }, 0)).toThrow(/lossRate/);
    expect(() => new Impairer({ burst: { everyMs: 100, holdMs: 100 } }, 0)).toThrow(/burst/);
  });
});

describe('impaired calls', () => {
  it('lost frames are never sent and leave holes in chunk numbers; jittered frames stay in order', async () => {
    const app = open(await startFakeApp());
    const clock = new ManualClock();
    const emu = open(new PlivoEmulator({ clock }));
    const call = await emu.startCall({ answerUrl: app.answerUrl, impairments: { lossRate: 0.25, jitterMs: 40, seed: 3 } });
    const s = await app.nextStream();
    for (let i = 0; i < 25; i++) clock.advance(40);
    const report = await call.hangup();
    await new Promise((r) => setTimeout(r, 50));
    const chunks = s.messages.flatMap((m) => (m.event === 'media' ? [m.media.chunk] : []));
    const { framesSent, framesLost } = report.streams[0]!;
    // 50 ticks; frames still held back by jitter at hang-up are never sent.
    expect(framesSent + framesLost).toBeGreaterThanOrEqual(48);
    expect(framesSent + framesLost).toBeLessThanOrEqual(50);
    expect(framesLost).toBeGreaterThan(0);
    expect(chunks.length).toBe(framesSent);
    expect([...chunks].sort((x, y) => x - y)).toEqual(chunks);
    expect(chunks.at(-1)!).toBeGreaterThan(chunks.length - 1);
    const seq = s.messages.flatMap((m) => (m.event === 'media' ? [m.sequenceNumber] : []));
    for (let i = 1; i < seq.length; i++) expect(seq[i]).toBe(seq[i - 1]! + 1);
  });
});

describe('scripts', () => {
  it('parses the text and JSON forms into the same steps', () => {
    const text = parseScript('# greet\nsay Hello there\nwait 500\nwait-for-bot speech 9000\nwait-for-bot silence 700\ndtmf 1#\nat 3000 say:slt Stop\nplay a.wav\nhangup\n');
    const json = parseScript(
      JSON.stringify([
        { say: 'Hello there' },
        { wait: 500 },
        { waitForBot: 'speech', timeoutMs: 9000 },
        { waitForBot: 'silence', ms: 700 },
        { dtmf: '1#' },
        { say: 'Stop', voice: 'slt', at: 3000 },
        { play: 'a.wav' },
        { hangup: true },
      ]),
    );
    expect(text).toEqual(json);
    expect(text[2]).toEqual({ kind: 'waitForBot', until: 'speech', ms: 800, timeoutMs: 9000 });
    expect(parseScript('{"steps":[{"wait":1}]}')).toEqual([{ kind: 'wait', ms: 1 }]);
  });

  it('names the line of a bad step with EMULATOR_SCRIPT_INVALID', () => {
    expect(() => parseScript('say hi\njump 3')).toThrow(/line 2: unknown step "jump"/);
    expect(() => parseScript('wait soon')).toThrow(/line 1: "wait" must be a number/);
    expect(() => parseScript('[{"dtmf":"x"}]')).toThrow(/step 1: dtmf digits/);
    expect(() => parseScript('[1]')).toThrow(/a step is an object/);
    try {
      parseScript('wait-for-bot later');
    } catch (e) {
      expect((e as { code: string }).code).toBe('EMULATOR_SCRIPT_INVALID');
    }
  });

  it('runs a script: play a file, wait for the bot, press keys, barge in at a time, hang up', async () => {
    const app = open(await startFakeApp({ onStream: (s) => void parrot(s, { replyAfterSilenceMs: 200 }) }));
    const emu = open(new PlivoEmulator());
    const dir = mkdtempSync(join(tmpdir(), 'callwire-script-'));
    writeFileSync(join(dir, 'hi.wav'), encodeWav(tone(440, 800, 16000, { amplitude: 0.5 }), 16000));
    writeFileSync(join(dir, 'call.txt'), 'play hi.wav\nwait-for-bot speech 20000\nat 1600 dtmf 7\nwait-for-bot silence 300\nhangup\n');
    const steps = await readScript(join(dir, 'call.txt'));
    expect(steps[0]).toEqual({ kind: 'play', file: join(dir, 'hi.wav') });
    const call = await emu.startCall({ answerUrl: app.answerUrl });
    await runScript(call, steps);
    const report = await call.finished;
    expect(report.hangup).toMatchObject({ by: 'caller', reason: 'the script hung up' });
    expect(eventsOf(report.timeline, 'dtmf_sent')[0]!.t).toBeGreaterThanOrEqual(1600);
    expect(report.metrics.responseLatencyMs.length).toBe(1);
    expect(await codeOf(runScript(call, parseScript('say too late')))).toBe('EMULATOR_CALL_ENDED');
  });
});
