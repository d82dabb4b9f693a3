// The agent's pure logic on a manual clock: sentence splitting, heard text, the latency
// ledger, turn detection, digit collection, idle policy, tools and the chat context.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatContext } from '../../src/agent/chat-context.js';
import { DigitCollector } from '../../src/agent/digits.js';
import { heardByWords, heardPrefix, splitHeard } from '../../src/agent/heard.js';
import { IdleMonitor } from '../../src/agent/idle.js';
import { LatencyLedger, describeLedger } from '../../src/agent/latency-ledger.js';
import { SentenceSplitter } from '../../src/agent/sentence-splitter.js';
import { type ToolContext, defineTool, runTool, toolSchema } from '../../src/agent/tools.js';
import { type DetectedTurn, TurnDetector } from '../../src/agent/turn-detector.js';
import { ManualClock } from '../../src/clock.js';

describe('SentenceSplitter', () => {
  it('emits sentences as soon as they are complete, respecting abbreviations and decimals', () => {
    const s = new SentenceSplitter();
    const out: string[] = [];
    for (const tok of ['Hello there', '! Dr.', ' Smith will see you at 3.30 today. ', 'Is that', ' okay?', ' Great']) out.push(...s.push(tok));
    expect(out).toEqual(['Hello there!', 'Dr. Smith will see you at 3.30 today.', 'Is that okay?']);
    expect(s.flush()).toEqual(['Great']);
  });

  it('cuts the first clause early at a comma, and long sentences at commas', () => {
    const s = new SentenceSplitter({ firstClauseChars: 20, maxChars: 60 });
    const out = s.push('Sure, I can help you with that booking, and here is what we will need from you, ');
    expect(out[0]).toBe('Sure, I can help you with that booking,');
    expect(out.length).toBeGreaterThanOrEqual(1);
  });

  it('loses and reorders no text, whatever the token boundaries (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('Hi', ' there', '.', ' How', ' are', ' you', '?', ' I', ' am', ' fine', ',', ' thanks', '!', ' e.g.', ' 3.5'), { maxLength: 40 }), (tokens) => {
        const s = new SentenceSplitter();
        const segs = [...tokens.flatMap((t) => s.push(t)), ...s.flush()];
        expect(segs.join(' ').replace(/\s+/g, ' ').trim()).toBe(tokens.join('').replace(/\s+/g, ' ').trim());
      }),
    );
  });
});

describe('heard text', () => {
  it('counts only whole words whose end has played', () => {
    const text = 'one two three four';
    expect(heardPrefix(text, 1000, 0)).toBe('');
    expect(heardPrefix(text, 1000, 1000)).toBe(text);
    expect(heardPrefix(text, 1000, 400)).toBe('one two'); // 40% = 7.2 chars: "one two" ends at 7
    expect(heardPrefix(text, 1000, 350)).toBe('one');
  });

  it('with vendor word timings, cuts at the last word whose end has played (exact, not proportional)', () => {
    const text = 'Hello, we are open until nine tonight.';
    // A slow first word: proportional mapping would get this wrong.
    const words = [
      { word: 'Hello,', endMs: 900 },
      { word: 'we', endMs: 1000 },
      { word: 'are', endMs: 1150 },
      { word: 'open', endMs: 1400 },
      { word: 'until', endMs: 1700 },
      { word: 'nine', endMs: 1950 },
      { word: 'tonight.', endMs: 2400 },
    ];
    expect(heardByWords(text, words, 2500, 1399)).toBe('Hello, we are');
    expect(heardByWords(text, words, 2500, 1400)).toBe('Hello, we are open');
    expect(heardByWords(text, words, 2500, 800)).toBe('');
    expect(heardByWords(text, words, 2500, 2500)).toBe(text);
    // Vendors normalise punctuation and case: still matched in order.
    expect(heardByWords('Dr. Smith, hi', [{ word: 'dr', endMs: 100 }, { word: 'smith', endMs: 300 }, { word: 'hi', endMs: 400 }], 500, 350)).toBe('Dr. Smith,');
    // Timings that stop short of what played: unknown (the caller falls back to proportional).
    expect(heardByWords(text, words.slice(0, 3), 2500, 2000)).toBeUndefined();
    expect(splitHeard([{ text, durationMs: 2500, playedMs: 1500, words }])).toEqual({ heard: 'Hello, we are open', unheard: 'until nine tonight.' });
  });

  it('splits a reply across segments at the cut', () => {
    const r = splitHeard([
      { text: 'First sentence.', durationMs: 1000, playedMs: 1000 },
      { text: 'Second one is longer here.', durationMs: 2000, playedMs: 800 },
      { text: 'Third.', durationMs: 500, playedMs: 0 },
    ]);
    // 800/2000 of "Second one is longer here." is 10.4 characters: "Second one" (10) played, "is" (13) did not.
    expect(r).toEqual({ heard: 'First sentence. Second one', unheard: 'is longer here. Third.' });
  });
});

describe('LatencyLedger', () => {
  it('derives stages and names the ones over budget', () => {
    const l = new LatencyLedger(3);
    l.mark('speechEnd', 1000);
    l.mark('endOfTurn', 1400);
    l.mark('sttFinal', 1250);
    l.mark('llmRequest', 1400);
    l.mark('llmFirstToken', 2100);
    l.mark('ttsRequest', 2150);
    l.mark('ttsFirstByte', 2300);
    l.mark('firstAudioSent', 2310);
    l.mark('firstAudioHeard', 2350);
    l.mark('speechEnd', 5); // first value wins
    const r = l.report();
    expect(r.stages).toEqual({ stt: 250, endpointing: 400, llm: 700, tts: 150, network: 40, total: 1350 });
    expect(r.overruns.map((o) => o.stage)).toEqual(['llm', 'stt']);
    expect(describeLedger(r)).toContain('llm over budget by 200 ms');
  });
});

describe('TurnDetector', () => {
  function setup(withStt: boolean) {
    const clock = new ManualClock(0);
    const turns: DetectedTurn[] = [];
    const discarded: string[] = [];
    const d = new TurnDetector(clock, { withStt, maxEndpointingMs: 1500 }, (t) => turns.push(t), (r) => discarded.push(r));
    return { clock, d, turns, discarded };
  }

  it('without an STT, ends the turn at VAD speech end', () => {
    const { d, turns } = setup(false);
    d.speechStart(100);
    d.speechEnd(900);
    expect(turns).toMatchObject([{ text: '', speechStartAt: 100, speechEndAt: 900, reason: 'vad' }]);
  });

  it('with an STT, waits for the final after speech end, then commits', () => {
    const { clock, d, turns } = setup(true);
    d.speechStart(0);
    d.interim('book a');
    clock.advance(1300);
    d.speechEnd(900);
    expect(turns).toHaveLength(0);
    clock.advance(100);
    d.final('book a table', true, clock.now());
    expect(turns).toMatchObject([{ text: 'book a table', reason: 'final', sttFinalAt: 1400, speechEndAt: 900 }]);
  });

  it('commits at once when the final already arrived before the VAD decided', () => {
    const { d, turns } = setup(true);
    d.speechStart(0);
    d.final('yes', false, 500);
    d.speechEnd(450);
    expect(turns).toMatchObject([{ text: 'yes', reason: 'final' }]);
  });

  it('commits with the interim after the max endpointing delay, and discards a word-less turn', () => {
    const { clock, d, turns, discarded } = setup(true);
    d.speechStart(0);
    d.interim('maybe tomorrow');
    clock.advance(1000);
    d.speechEnd(1000);
    clock.advance(1499);
    expect(turns).toHaveLength(0);
    clock.advance(1);
    expect(turns).toMatchObject([{ text: 'maybe tomorrow', reason: 'max_delay' }]);
    d.speechStart(clock.now());
    clock.advance(300);
    d.speechEnd(clock.now());
    clock.advance(1500);
    expect(discarded).toHaveLength(1);
    expect(turns).toHaveLength(1);
  });

  it('speech that resumes before the commit continues the same turn', () => {
    const { clock, d, turns } = setup(true);
    d.speechStart(0);
    d.final('I would like', false, 500);
    clock.advance(800);
    d.speechStart(800); // resumed before VAD end
    d.final('to book a table', true, 1500);
    clock.advance(900);
    d.speechEnd(1600);
    expect(turns).toMatchObject([{ text: 'I would like to book a table', speechStartAt: 0 }]);
  });
});

describe('DigitCollector', () => {
  it('stops at max, at the terminator, or on timeout', async () => {
    const clock = new ManualClock();
    const a = new DigitCollector(clock, { max: 3 });
    for (const d of '1234') a.push(d);
    await expect(a.done).resolves.toEqual({ digits: '123', reason: 'max' });
    const b = new DigitCollector(clock, { terminator: '#' });
    for (const d of '42#') b.push(d);
    await expect(b.done).resolves.toEqual({ digits: '42', reason: 'terminator' });
    const c = new DigitCollector(clock, { timeoutMs: 5000, interDigitTimeoutMs: 2000 });
    clock.advance(1000);
    c.push('7');
    clock.advance(1999);
    expect(c.settled).toBe(false);
    clock.advance(1);
    await expect(c.done).resolves.toEqual({ digits: '7', reason: 'timeout' });
    expect(c.push('8')).toBe(false);
  });
});

describe('IdleMonitor', () => {
  it('prompts after silence, hangs up after max prompts, resets on activity, pauses while the bot speaks', () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const m = new IdleMonitor(clock, { afterMs: 1000, maxPrompts: 2 }, (n) => log.push(`prompt ${n}`), () => log.push('hangup'));
    m.activity();
    clock.advance(999);
    expect(log).toEqual([]);
    clock.advance(1);
    expect(log).toEqual(['prompt 1']);
    m.pause(); // the prompt is being spoken
    clock.advance(5000);
    expect(log).toEqual(['prompt 1']);
    m.resume();
    clock.advance(1000);
    expect(log).toEqual(['prompt 1', 'prompt 2']);
    m.activity(); // the caller answered
    clock.advance(1000);
    expect(log).toEqual(['prompt 1', 'prompt 2', 'prompt 1']);
    clock.advance(1000);
    clock.advance(1000);
    expect(log).toEqual(['prompt 1', 'prompt 2', 'prompt 1', 'prompt 2', 'hangup']);
  });
});

describe('tools', () => {
  const ctx: ToolContext = { signal: new AbortController().signal, callId: 'c', say: async () => {}, hangup: async () => {}, transfer: async () => {}, sendDtmf: () => {}, collectDigits: async () => ({ digits: '', reason: 'timeout' }) };
  const book = defineTool({
    name: 'book_table',
    description: 'Book a table',
    parameters: z.object({ people: z.number().int().min(1), time: z.string() }),
    execute: ({ people, time }) => ({ confirmed: true, people, time }),
  });

  it('gives the LLM a JSON schema of the zod parameters', () => {
    const s = toolSchema(book);
    expect(s).toMatchObject({ name: 'book_table', parameters: { type: 'object', properties: { people: { type: 'integer' }, time: { type: 'string' } }, required: ['people', 'time'] } });
  });

  it('validates arguments, runs, stringifies; reports bad JSON, bad args, failures and timeouts with codes', async () => {
    await expect(runTool(book, '{"people":2,"time":"7pm"}', ctx)).resolves.toEqual({ ok: true, content: '{"confirmed":true,"people":2,"time":"7pm"}' });
    await expect(runTool(book, '{"people":0,"time":"7pm"}', ctx)).resolves.toMatchObject({ ok: false, error: { code: 'AGENT_TOOL_INVALID_ARGS' } });
    await expect(runTool(book, 'not json', ctx)).resolves.toMatchObject({ ok: false, error: { code: 'AGENT_TOOL_INVALID_ARGS' } });
    const broken = defineTool({ name: 'broken', description: '', parameters: z.object({}), execute: () => { throw new Error('db down'); } });
    await expect(runTool(broken, '{}', ctx)).resolves.toMatchObject({ ok: false, content: expect.stringContaining('db down'), error: { code: 'AGENT_TOOL_FAILED' } });
    const slow = defineTool({ name: 'slow', description: '', parameters: z.object({}), timeoutMs: 20, execute: () => new Promise(() => {}) });
    await expect(runTool(slow, '', ctx)).resolves.toMatchObject({ ok: false, error: { code: 'AGENT_TOOL_FAILED' } });
    expect(() => defineTool({ name: 'bad name!', description: '', parameters: z.object({}), execute: () => 1 })).toThrowError(/must match/);
  });
});

describe('ChatContext', () => {
  it('keeps the system prompt, cuts the last reply to what was heard, and stays bounded', () => {
    const c = new ChatContext('You are a receptionist.', 6);
    c.addUser('hi');
    c.addAssistant('Hello! How can I help you today?');
    c.replaceLastAssistant('Hello!', true);
    expect(c.messages.slice(-1)).toEqual([{ role: 'assistant', content: 'Hello!', interrupted: true }]);
    for (let i = 0; i < 10; i++) c.addUser(`u${i}`);
    expect(c.messages).toHaveLength(6);
    expect(c.messages[0]).toEqual({ role: 'system', content: 'You are a receptionist.' });
  });
});
