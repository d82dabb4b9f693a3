/**
 * The TTS cache is shared by every agent in the process, so its key must tell provider
 * instances apart: two ElevenLabs clients with different voices (a constructor option, not
 * `AgentConfig.voice`) must never hand each other's audio to a caller.
 */
import { describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agent/define-agent.js';
import { AgentSession } from '../../src/agent/session.js';
import { Utterance } from '../../src/agent/speech-output.js';
import { sharedTtsCache, TtsCache, ttsIdentity } from '../../src/agent/tts-cache.js';
import { ManualClock } from '../../src/clock.js';
import { STREAM_FORMATS } from '../../src/protocol/format.js';
import type { TtsProvider, TtsSession } from '../../src/providers/types.js';
import { Pacer } from '../../src/stream/pacer.js';
import { Player } from '../../src/stream/player.js';
import { newCounters } from '../../src/stream/types.js';
import { fakeCall, nonZeroVadProvider, settle } from '../support/fake-call.js';

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

/**
 * A voice that follows the TtsSession contract: a phrase is 10 chunks of 100 ms (mu-law), one
 * per turn of the event loop, and a cancelled synthesis (signal aborted, or the session
 * closed) ends quietly. `chunks` counts every chunk it yielded.
 */
function tenChunkVoice(): TtsProvider & { chunks: number } {
  const v = {
    name: 'ten-chunks',
    chunks: 0,
    outputFormats: [{ encoding: 'mulaw', sampleRate: 8000 }] as const,
    async open(): Promise<TtsSession> {
      let closed = false;
      return {
        audio: { encoding: 'mulaw', sampleRate: 8000 },
        async *synthesize(_text, { signal }) {
          for (let i = 0; i < 10; i++) {
            await new Promise((r) => setImmediate(r));
            if (signal.aborted || closed) return;
            v.chunks++;
            yield new Uint8Array(800).fill(0x20);
          }
        },
        async close() {
          closed = true;
        },
      };
    },
  };
  return v;
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setImmediate(r));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}

describe('TTS cache and cancelled synthesis', () => {
  it('a phrase whose first caller cancels mid-synthesis is never cached or shared cut short', async () => {
    const clock = new ManualClock(0);
    const voice = tenChunkVoice();
    const tts = await voice.open({} as never);
    const cache = new TtsCache();
    const errors: string[] = [];
    const say = (callId: string): { player: Player; utterance: Utterance } => {
      const player = new Player({ format: STREAM_FORMATS['mulaw/8000'], streamId: callId, send: () => {}, bufferedAmount: () => 0, clock, pacer: new Pacer(clock), counters: newCounters() });
      const utterance = new Utterance({ player: () => player, clock, tts, ttsName: voice.name, ttsKey: 'ten#1', cache, onError: (e) => errors.push(e.code) }, { cache: true, label: 'greeting' });
      utterance.addText('Hello, thanks for calling.');
      utterance.end();
      return { player, utterance };
    };
    // Audio of the phrase queued or already sent (nothing plays out: the clock stands still).
    const ms = (p: Player): number => p.queuedMs + p.leadMs;
    const a = say('A'); // starts the shared synthesis
    await until('the first chunk', () => voice.chunks >= 1);
    const waiter = say('W'); // joins it
    await until('the third chunk', () => voice.chunks >= 3);
    a.utterance.abort(); // A's caller hangs up or barges in
    // A cached phrase is written whole, once its synthesis is complete.
    await until("the waiter's phrase", () => ms(waiter.player) > 0);
    expect(ms(waiter.player)).toBe(1000);
    const later = say('B');
    await settle();
    expect(ms(later.player)).toBe(1000);
    expect([cache.misses, cache.hits]).toEqual([2, 1]); // A's cancelled run, the waiter's own; B hit
    expect(errors).toEqual([]);
  });

  it("a call that hangs up during its greeting's synthesis leaves no cut-short greeting for the next call", async () => {
    const clock = new ManualClock(0);
    const voice = tenChunkVoice();
    const greeting = 'Welcome to the hang-up test line.';
    const config = { tts: voice, vad: nonZeroVadProvider, responder: { respond: async () => {} }, greeting, idle: false } as const;
    const first = fakeCall(clock, 'first');
    const s1 = new AgentSession(first.call, config);
    const started = s1.start();
    first.start();
    await started;
    await until('the third chunk', () => voice.chunks >= 3);
    first.socket.close(1000); // the caller hangs up
    await until('the first call to end', () => s1.state === 'ended');
    await settle();
    const second = fakeCall(clock, 'second');
    const s2 = new AgentSession(second.call, config);
    const started2 = s2.start();
    second.start();
    await started2;
    const ms = (): number => second.call.player.queuedMs + second.call.player.leadMs;
    await until("the second call's greeting", () => ms() > 0);
    expect(ms()).toBe(1000);
    expect(sharedTtsCache.get(TtsCache.key(ttsIdentity(voice), 'mulaw/8000', undefined, greeting))?.length).toBe(8000);
    second.call.close();
  });
});
