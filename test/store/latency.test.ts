import { describe, expect, it } from 'vitest';
import { latencySegments, orderedStages } from '../../src/store/latency.js';

describe('latency ledger against the budget', () => {
  it('computes each segment from the stages it has, and flags the ones over budget', () => {
    expect(latencySegments({ speechEnd: 0, sttFinal: 250, endOfTurn: 300, llmFirstToken: 900, ttsFirstByte: 1000, firstAudioSent: 1020 })).toEqual([
      { name: 'stt', label: 'speech end -> STT final', ms: 250, budgetMs: 200, over: true },
      // The LLM starts at the later of end-of-turn and STT final.
      { name: 'llm', label: 'end of turn -> LLM first token', ms: 600, budgetMs: 500, over: true },
      { name: 'tts', label: 'LLM first token -> TTS first byte', ms: 100, budgetMs: 200, over: false },
      { name: 'response', label: 'speech end -> first audio sent', ms: 1020, budgetMs: 1000, over: true },
    ]);
    // A greeting has no caller speech: only what can be measured is reported.
    expect(latencySegments({ llmFirstToken: 0, ttsFirstByte: 150 }).map((s) => [s.name, s.ms, s.over])).toEqual([['tts', 150, false]]);
    expect(latencySegments({})).toEqual([]);
  });

  it('orders stages: the known pipeline first, then custom ones by time', () => {
    expect(orderedStages({ custom2: 50, firstPlayed: 900, custom1: 10, speechEnd: 0, sttFinal: 120 })).toEqual([
      ['speechEnd', 0],
      ['sttFinal', 120],
      ['firstPlayed', 900],
      ['custom1', 10],
      ['custom2', 50],
    ]);
  });
});
