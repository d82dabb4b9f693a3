// What the agent says, what the caller heard and what the LLM keeps: sentence splitting, the
// heard-ledger's text side, and the chat context.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatContext } from '../../src/agent/chat-context.js';
import { heardByWords, heardPrefix, splitHeard } from '../../src/agent/heard.js';
import { SentenceSplitter } from '../../src/agent/sentence-splitter.js';

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
