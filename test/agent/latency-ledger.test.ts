// The latency ledger of a turn: stages from the marks, and overruns against the budget.
import { describe, expect, it } from 'vitest';
import { LatencyLedger, describeLedger } from '../../src/agent/latency-ledger.js';

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
