/**
 * The TTS cache is shared by every agent in the process, so its key must tell provider
 * instances apart: two ElevenLabs clients with different voices (a constructor option, not
 * `AgentConfig.voice`) must never hand each other's audio to a caller.
 */
import { describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agent/define-agent.js';
import { sharedTtsCache, TtsCache, ttsIdentity } from '../../src/agent/tts-cache.js';
import { STREAM_FORMATS } from '../../src/protocol/format.js';
import type { TtsProvider } from '../../src/providers/types.js';

/** A TTS whose audio is one byte, `fill`, per segment; it counts what it was asked to say. */
function voice(fill: number): TtsProvider & { said: string[] } {
  const said: string[] = [];
  return {
    name: 'same-vendor',
    said,
    outputFormats: [{ encoding: 'mulaw', sampleRate: 8000 }],
    async open() {
      return {
        audio: { encoding: 'mulaw', sampleRate: 8000 },
        async *synthesize(text: string) {
          said.push(text);
          yield new Uint8Array(160).fill(fill);
        },
        async close() {},
      };
    },
  };
}

describe('TTS cache identity', () => {
  it('two instances of one vendor do not share cached phrases', async () => {
    const a = voice(1);
    const b = voice(2);
    expect(ttsIdentity(a)).not.toBe(ttsIdentity(b));
    expect(ttsIdentity(a)).toBe(ttsIdentity(a));
    const greeting = 'Welcome to the cache test line.';
    const responder = { respond: async () => {} };
    await defineAgent({ tts: a, responder, greeting, idle: false }).prewarm?.(STREAM_FORMATS['mulaw/8000']);
    await defineAgent({ tts: b, responder, greeting, idle: false }).prewarm?.(STREAM_FORMATS['mulaw/8000']);
    // Each voice synthesized the greeting itself, and each cached copy is its own audio.
    expect(a.said).toContain(greeting);
    expect(b.said).toContain(greeting);
    expect(sharedTtsCache.get(TtsCache.key(ttsIdentity(a), 'mulaw/8000', undefined, greeting))?.[0]).toBe(1);
    expect(sharedTtsCache.get(TtsCache.key(ttsIdentity(b), 'mulaw/8000', undefined, greeting))?.[0]).toBe(2);
  });
});
