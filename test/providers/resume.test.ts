import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayBuffer } from '../../src/providers/net/replay-buffer.js';
import { parseDeepgramMessage } from '../../src/providers/deepgram/messages.js';
import { parseChatChunk } from '../../src/providers/openai/chat-chunk.js';
import { ReplayGuard } from '../../src/providers/openai/replay-guard.js';
import { ToolCallAssembler } from '../../src/providers/openai/tool-assembler.js';
import { advanceByChars, advanceByWords, wordStart } from '../../src/providers/tts-mux/text-progress.js';

describe('text progress (TTS resume points)', () => {
  const text = 'Hello there, how are you today?';
  it('follows alignment characters, tolerating an extra leading space', () => {
    expect(advanceByChars(text, 0, ' Hello th')).toBe(8);
    expect(advanceByChars(text, 8, 'ere, how')).toBe(16);
    expect(wordStart(text, 8)).toBe(6);
    expect(wordStart(text, 12)).toBe(12);
  });
  it('follows timestamped words, punctuation included', () => {
    expect(advanceByWords(text, 0, ['Hello', 'there'])).toBe(12);
    expect(text.slice(wordStart(text, 12))).toBe(' how are you today?');
  });
  it('never moves past the text or backwards (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20 }), fc.nat(50), (t, chars, p0) => {
        const p = Math.min(p0, t.length);
        const q = advanceByChars(t, p, chars);
        expect(q).toBeGreaterThanOrEqual(p);
        expect(q).toBeLessThanOrEqual(t.length);
        expect(wordStart(t, q)).toBeLessThanOrEqual(q);
      }),
    );
  });
});

describe('ReplayBuffer (Deepgram reconnect)', () => {
  it('keeps exactly the bytes after the last trim, within its limit, aligned to samples (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 30 }), fc.nat(400), (sizes, trimTo) => {
        const b = new ReplayBuffer(200, 2);
        const all: number[] = [];
        for (const n of sizes) {
          const bytes = Uint8Array.from({ length: n }, (_, i) => (all.length + i) % 251);
          all.push(...bytes);
          b.append(bytes, all.length);
        }
        b.trimBefore(trimTo);
        const kept = b.pending().flatMap((c) => [...c]);
        expect(b.end).toBe(all.length);
        expect(b.start % 2).toBe(0);
        expect(b.end - b.start).toBeLessThanOrEqual(201);
        expect(kept).toEqual(all.slice(b.start));
      }),
    );
  });
});

describe('OpenAI stream pieces', () => {
  it('parses content, tool-call fragments, finish reason, usage and mid-stream errors', () => {
    expect(parseChatChunk('{"choices":[{"delta":{"content":"Hi"},"finish_reason":null}]}')).toMatchObject({ type: 'delta', text: 'Hi', finishReason: undefined });
    expect(parseChatChunk('{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}')).toMatchObject({ usage: { promptTokens: 3, completionTokens: 4 } });
    expect(parseChatChunk('{"error":{"message":"boom","type":"server_error","code":null}}')).toEqual({ type: 'error', vendorCode: 'server_error', vendorMessage: 'boom' });
    expect(parseChatChunk('[1]')).toBeUndefined();
  });
  it('assembles tool calls from fragments in index order, generating missing ids', () => {
    const a = new ToolCallAssembler();
    a.add([{ index: 1, id: 'b', name: 'second', arguments: '' }]);
    a.add([{ index: 0, name: 'first', arguments: '{"x"' }]);
    a.add([{ index: 0, arguments: ':1}' }, { index: 1, arguments: '{}' }]);
    expect(a.finish()).toEqual([
      { id: 'call_1', name: 'first', arguments: '{"x":1}' },
      { id: 'b', name: 'second', arguments: '{}' },
    ]);
  });
  it('tells index-less tool calls (some local servers) apart by id', () => {
    const a = new ToolCallAssembler();
    a.add([{ index: -1, id: 'x', name: 'one', arguments: '{}' }]);
    a.add([{ index: -1, id: 'y', name: 'two', arguments: '{"a":1}' }]);
    expect(a.finish().map((c) => [c.id, c.name, c.arguments])).toEqual([
      ['x', 'one', '{}'],
      ['y', 'two', '{"a":1}'],
    ]);
  });

  it('resumes a regenerated stream past the delivered prefix, or reports divergence', () => {
    const g = new ReplayGuard();
    expect(g.feed('Hello ')).toEqual({ type: 'emit', text: 'Hello ' });
    g.restart();
    expect(g.feed('Hel')).toEqual({ type: 'skip' });
    expect(g.feed('lo wor')).toEqual({ type: 'emit', text: 'wor' });
    expect(g.delivered).toBe('Hello wor');
    g.restart();
    expect(g.feed('Help')).toEqual({ type: 'diverged' });
  });
});

describe('Deepgram messages', () => {
  it('parses Results, SpeechStarted, UtteranceEnd and unknown types', () => {
    const r = parseDeepgramMessage(
      JSON.stringify({ type: 'Results', start: 1.5, duration: 2, is_final: true, speech_final: true, channel: { alternatives: [{ transcript: 'hi there', confidence: 0.9, words: [{ word: 'hi', punctuated_word: 'Hi', start: 1.6, end: 1.8, confidence: 0.9 }] }] } }),
    );
    expect(r).toMatchObject({ type: 'Results', start: 1.5, duration: 2, isFinal: true, speechFinal: true, transcript: 'hi there', words: [{ word: 'Hi', start: 1.6, end: 1.8 }] });
    expect(parseDeepgramMessage('{"type":"SpeechStarted","channel":[0],"timestamp":0.42}')).toEqual({ type: 'SpeechStarted', timestamp: 0.42 });
    expect(parseDeepgramMessage('{"type":"UtteranceEnd","channel":[0,1],"last_word_end":3.1}')).toEqual({ type: 'UtteranceEnd', lastWordEnd: 3.1 });
    expect(parseDeepgramMessage('{"type":"Flux"}')).toEqual({ type: 'unknown', name: 'Flux' });
    expect(parseDeepgramMessage('not json')).toBeUndefined();
  });
});
