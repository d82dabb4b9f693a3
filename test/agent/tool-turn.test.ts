// A tool turn with a filler, on a manual clock: the reply reads in the order the caller heard it
// (the filler first), and the turn's ledger has a tool stage and the first audio heard.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AgentSession } from '../../src/agent/session.js';
import type { TurnLedger } from '../../src/agent/latency-ledger.js';
import { defineTool } from '../../src/agent/tools.js';
import { ManualClock } from '../../src/clock.js';
import { waterfall } from '../../src/dashboard/waterfall.js';
import type { LlmEvent, LlmProvider } from '../../src/providers/types.js';
import { type FakeCall, constantTts, fakeCall, nonZeroVadProvider } from '../support/fake-call.js';

function scriptedLlm(...scripts: (readonly LlmEvent[])[]): LlmProvider {
  let n = 0;
  return {
    name: 'scripted',
    async *chat() {
      for (const ev of scripts[n++] ?? []) yield ev;
    },
  };
}

let fc: FakeCall | undefined;
afterEach(() => {
  fc?.call.close();
  fc = undefined;
});

describe('a tool turn with a filler', () => {
  it('reads filler first in the reply, and its ledger has a tool stage and the first audio heard', async () => {
    const clock = new ManualClock(0);
    fc = fakeCall(clock);
    // A slow tool (1500 ms on the call's clock): the filler is spoken after 800 ms.
    const book = defineTool({
      name: 'book_table',
      description: 'Book a table',
      parameters: z.object({}),
      filler: 'Let me check the book.',
      execute: () => new Promise<string>((r) => clock.setTimer(() => r('{"ok":true}'), 1500)),
    });
    const session = new AgentSession(fc.call, {
      llm: scriptedLlm(
        [{ type: 'tool_calls', calls: [{ id: 't1', name: 'book_table', arguments: '{}' }] }, { type: 'done', finishReason: 'tool_calls' }],
        [{ type: 'text', text: 'Done. A table for two at seven.' }, { type: 'done', finishReason: 'stop' }],
      ),
      tts: constantTts(300),
      vad: nonZeroVadProvider,
      tools: [book],
      fillers: { slowReplyMs: false },
    });
    const replies: { text: string; heard: string }[] = [];
    const ledgers: TurnLedger[] = [];
    session.on('reply', (r) => replies.push({ text: r.result.text, heard: r.result.heard }));
    session.on('ledger', (l) => ledgers.push(l));
    const turns: { json: string; samples: number }[] = [];
    session.on('user_turn', (u) => turns.push({ json: JSON.stringify(u), samples: u.turn.audio.length }));
    const started = session.start();
    fc.start();
    await started;
    await fc.speak(600);
    await fc.speak(6000, 0xff); // silence, as Plivo keeps sending
    expect(replies).toEqual([{ text: 'Let me check the book. Done. A table for two at seven.', heard: 'Let me check the book. Done. A table for two at seven.' }]);
    expect(ledgers).toHaveLength(1);
    // The event logs small: the caller's audio is there, but not in its JSON.
    expect(turns[0]?.samples).toBeGreaterThan(4000);
    expect(turns[0]?.json).not.toContain('audio');
    const l = ledgers[0] as TurnLedger;
    expect(l.stages.tool).toBe(1500);
    // The filler (after 800 ms of tools) is the first audio the caller hears.
    expect(l.marks.firstAudioHeard).toBeGreaterThan(l.marks.toolStart as number);
    expect(l.marks.firstAudioHeard).toBeLessThan(l.marks.toolEnd as number);
    expect(l.stages.total).toBeGreaterThan(0);
    // The dashboard's waterfall draws a Tool bar for it.
    const origin = l.marks.speechEnd as number;
    const stored = Object.fromEntries(Object.entries(l.marks).map(([k, v]) => [k, (v as number) - origin]));
    expect(waterfall(l.turn, stored).bars.map((b) => b.stage)).toEqual(['endpointing', 'llm', 'tool', 'tts', 'network', 'total']);
  });
});
