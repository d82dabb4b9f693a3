// Barge-in in a real call: emulator -> server -> agent with real Deepgram, OpenAI-compatible and
// ElevenLabs clients against their fakes. What the chat context says the caller heard is checked
// against the emulator's recording of what the caller actually heard.
import { afterEach, describe, expect, it } from 'vitest';
import { SPEECH_PEAK_THRESHOLD, firstAbove, tone } from '../../src/audio/index.js';
import type { ChatMessage } from '../../src/providers/types.js';
import { ElevenLabsTts } from '../../src/providers/elevenlabs/index.js';
import { startCall } from '../../src/emulator/index.js';
import { type FakeElevenLabs, startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { syntheticSpeech } from '../../src/testing/fakes/synthetic-speech.js';
import { type Rig, startRig } from '../support/agent-rig.js';

let rig: Rig | undefined;
let el: FakeElevenLabs | undefined;
afterEach(async () => {
  await rig?.close();
  await el?.close();
  rig = undefined;
  el = undefined;
});

const REPLY = 'We are open every day from nine in the morning until nine in the evening, and on holidays we open at noon.';
const FIRST_SEGMENT = 'We are open every day from nine in the morning until nine in the evening,';

async function setup(transcripts: string[]) {
  el = await startFakeElevenLabs({ pacing: { ttfbMs: 40, realTimeFactor: 0.2 } });
  rig = await startRig({
    deepgram: { transcripts },
    agent: { greeting: 'Hi.', tts: new ElevenLabsTts({ apiKey: el.apiKey, baseUrl: el.baseUrl, env: {} }) },
  });
  rig.openai.chat.when(/hours/, { text: REPLY });
  rig.openai.chat.otherwise({ text: 'Okay.' });
  const call = await startCall({ answerUrl: rig.answerUrl });
  const session = await rig.session();
  await call.waitForBotSpeech({ timeoutMs: 20_000 });
  await call.waitForBotSilence(400, { timeoutMs: 20_000 });
  await call.say('what are your hours');
  await call.waitForBotSpeech({ timeoutMs: 20_000 });
  return { call, session };
}

/** Sample index of the last non-zero sample before a run of `zeros` zero samples, from `from`. */
function endOfSound(pcm: Int16Array, from: number, zeros: number): number {
  let last = from;
  let run = 0;
  for (let i = from; i < pcm.length; i++) {
    if (pcm[i] !== 0) {
      last = i;
      run = 0;
    } else if (++run >= zeros) break;
  }
  return last;
}

describe('barge-in', () => {
  it('mid-sentence: the chat context holds exactly the words the caller heard, per the recording', async () => {
    const { call, session } = await setup(['what are your hours', 'wait a second']);
    const bargeIns: { said: string; heard: string }[] = [];
    session.on('barge_in', (b) => bargeIns.push(b));
    await call.silence(1700); // let the caller hear part of the first sentence
    await call.say('wait a second');
    await call.waitForBotSpeech({ timeoutMs: 20_000 }); // the answer to "wait a second"
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    const report = await call.hangup();
    expect(bargeIns).toHaveLength(1);
    const cut = session.context.messages.find((m): m is Extract<ChatMessage, { role: 'assistant' }> => m.role === 'assistant' && m.interrupted === true);
    expect(cut).toBeDefined();
    // The next turn's request carried the cut message, not the full reply.
    expect(rig?.openai.chat.requests.entries.at(-1)?.messages.some((m) => m.role === 'assistant' && m.content === cut?.content)).toBe(true);

    // What the caller heard, from the recording: the reply starts at the first loud sample after
    // the caller's question, and stops where the clear cut it (the heard track goes silent).
    const rec = report.recording;
    if (rec === undefined) throw new Error('no recording');
    const rate = rec.sampleRate;
    const questionEnd = endOfSound(rec.caller, firstAbove(rec.caller), rate / 2);
    const replyStart = questionEnd + firstAbove(rec.heard.subarray(questionEnd));
    const replyEnd = endOfSound(rec.heard, replyStart, rate / 2);
    const heardMs = ((replyEnd + 1 - replyStart) / rate) * 1000;
    // The fake voice's exact timing of the first segment (cut at its first comma by the sentence splitter).
    const synth = syntheticSpeech(FIRST_SEGMENT, rate);
    const trimMs = (firstAbove(synth.pcm, SPEECH_PEAK_THRESHOLD) / rate) * 1000;
    const words: { word: string; endMs: number }[] = [];
    let w = '';
    let end = 0;
    for (const c of synth.chars) {
      if (/\s/.test(c.char)) {
        if (w !== '') words.push({ word: w, endMs: end - trimMs });
        w = '';
      } else {
        w += c.char;
        end = c.startMs + c.durationMs;
      }
    }
    if (w !== '') words.push({ word: w, endMs: end - trimMs });
    expect(heardMs).toBeLessThan(words.at(-1)?.endMs ?? 0); // the cut fell inside the first segment
    const expected = words.filter((x) => x.endMs <= heardMs).map((x) => x.word);
    const got = (cut?.content ?? '').split(/\s+/).filter(Boolean);
    // Exact, except when the cut lands within one 20 ms playout frame of a word's end.
    const boundary = words.find((x) => Math.abs(x.endMs - heardMs) <= 25);
    if (boundary === undefined) expect(got).toEqual(expected);
    else expect([expected.length, expected.length + (boundary.endMs > heardMs ? 1 : -1)]).toContain(got.length);
    expect(got.length).toBeGreaterThan(2);
    expect(bargeIns[0]?.heard).toBe(cut?.content);
    expect(bargeIns[0]?.said).toContain(FIRST_SEGMENT);
  });

  it('a false interruption (a cough: speech energy, no words) resumes the cut reply from where it stopped', async () => {
    const { call, session } = await setup(['what are your hours', '']);
    const events: string[] = [];
    let resumed = '';
    session.on('barge_in', () => events.push('barge_in'));
    session.on('transcript', (t) => events.push(`transcript:${t.text}`));
    session.on('user_turn', (t) => events.push(`turn:${t.turn.text}`));
    session.on('turn_discarded', (t) => events.push(`discarded:${t.reason}`));
    session.on('user_speech_start', () => events.push('speech_start'));
    session.on('user_speech_end', () => events.push('speech_end'));
    session.on('false_interruption', (f) => {
      events.push('false_interruption');
      resumed = f.resumed;
    });
    await call.silence(1500);
    // A 350 ms voiced burst: the VAD takes it for speech, the recogniser hears no words.
    const cough = tone([180, 360, 540], 350, 8000, { amplitude: 0.5 });
    await call.play(cough, 8000, 'cough');
    await call.waitForBotSilence(200, { timeoutMs: 10_000 }); // cut by the barge-in
    await call.waitForBotSpeech({ timeoutMs: 10_000 }); // resumed after the no-words window
    await call.waitForBotSilence(1000, { timeoutMs: 30_000 }); // and finished
    await call.hangup();
    expect(events.filter((e) => e === 'barge_in' || e === 'false_interruption')).toEqual(['barge_in', 'false_interruption']);
    expect(events.some((e) => e.startsWith('turn:'))).toBe(false); // the cough got no reply
    expect(resumed.length).toBeGreaterThan(10);
    expect(REPLY.endsWith(resumed)).toBe(true);
    // In the end the context holds the whole reply, heard in two parts.
    const last = session.context.messages.at(-1);
    expect(last).toMatchObject({ role: 'assistant' });
    expect((last as { content: string }).content.replace(/\s+/g, ' ')).toBe(REPLY);
    expect((last as { interrupted?: boolean }).interrupted).toBeUndefined();
    // No second LLM request: the resume spoke the text it already had.
    expect(rig?.openai.chat.requests.entries).toHaveLength(1);
  });
});
