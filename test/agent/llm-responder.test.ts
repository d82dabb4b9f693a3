// The LLM responder on a manual clock: a call over an in-memory socket, a scripted model and a
// constant voice. An LLM that fails mid-reply must still end the reply's open utterance, or the
// session stays 'speaking' for good: no idle prompt, no `reply` event, nothing stored.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AgentSession } from '../../src/agent/session.js';
import { defineTool } from '../../src/agent/tools.js';
import { ManualClock } from '../../src/clock.js';
import { ProviderError } from '../../src/errors.js';
import type { LlmEvent, LlmProvider } from '../../src/providers/types.js';
import { type FakeCall, constantTts, fakeCall, nonZeroVadProvider } from '../support/fake-call.js';

/** A model that plays one script per request; the last request fails after its events with PROVIDER_UNAVAILABLE. */
function scriptedLlm(...scripts: (readonly LlmEvent[])[]): LlmProvider {
  let n = 0;
  return {
    name: 'scripted',
    async *chat() {
      const i = n++;
      for (const ev of scripts[i] ?? []) yield ev;
      if (i >= scripts.length - 1) throw new ProviderError('PROVIDER_UNAVAILABLE', 'scripted', 'the model went away mid-reply');
    },
  };
}

const lookup = defineTool({ name: 'lookup', description: 'Look something up', parameters: z.object({}), filler: false, execute: async () => 'found' });

let fc: FakeCall | undefined;
afterEach(() => {
  fc?.call.close();
  fc = undefined;
});

describe('an LLM that fails mid-reply', () => {
  it.each([
    ['while it streams its answer', [[{ type: 'text', text: 'Let me check that. The answ' }]]],
    ['after a tool round, while it streams the answer', [[{ type: 'tool_calls', calls: [{ id: 't1', name: 'lookup', arguments: '{}' }] }, { type: 'done', finishReason: 'tool_calls' }], [{ type: 'text', text: 'Let me check that. The answ' }]]],
  ] as const)('%s: the reply ends with what was said, the session listens again and the idle prompt fires', async (_name, scripts) => {
    const clock = new ManualClock(0);
    fc = fakeCall(clock);
    const session = new AgentSession(fc.call, {
      llm: scriptedLlm(...scripts),
      tts: constantTts(200),
      vad: nonZeroVadProvider,
      tools: [lookup],
      idle: { afterMs: 5000, maxPrompts: 1 },
      fillers: { slowReplyMs: false },
    });
    const replies: { text: string; heard: string }[] = [];
    const errors: string[] = [];
    const prompts: number[] = [];
    session.on('reply', (r) => replies.push({ text: r.result.text, heard: r.result.heard }));
    session.on('error', (e) => errors.push(`${e.stage}:${e.error.code}`));
    session.on('idle_prompt', (p) => prompts.push(p.count));
    const started = session.start();
    fc.start();
    await started;
    fc.dtmf('5'); // reaches the LLM as a turn
    await fc.run(2000); // the sentence it got out, then the apology, play out
    expect(errors).toEqual(['llm:PROVIDER_UNAVAILABLE']);
    // The sentence queued before the failure was said; the unfinished fragment was not.
    expect(replies).toEqual([{ text: 'Let me check that.', heard: 'Let me check that.' }]);
    expect(session.context.messages.at(-1)).toEqual({ role: 'assistant', content: 'Let me check that.', interrupted: true });
    expect(session.state).toBe('listening');
    expect(prompts).toEqual([]);
    await fc.run(5000);
    expect(prompts).toEqual([1]);
  });
});
