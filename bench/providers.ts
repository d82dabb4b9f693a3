/**
 * Provider client overhead: each real client against its fake with a fixed server-side delay,
 * and a minimal hand-written client (raw fetch / raw ws, no retries, no parsing beyond finding
 * the first byte) against the same fake in the same run. "Overhead" is what the callwire
 * client adds over that baseline; both include loopback and the fake's own work.
 *
 *   npx tsx bench/providers.ts [--quick]
 */
import WebSocket from 'ws';
import { silence } from '../src/audio/generate.js';
import { concatPcm } from '../src/audio/pcm.js';
import { pcmToSpec } from '../src/providers/audio-spec.js';
import { CartesiaTts } from '../src/providers/cartesia/index.js';
import { DeepgramStt } from '../src/providers/deepgram/index.js';
import { AssemblyAiStt } from '../src/providers/assemblyai/index.js';
import { startFakeAssemblyAi } from '../src/testing/fakes/assemblyai.js';
import { ElevenLabsTts } from '../src/providers/elevenlabs/index.js';
import { AnthropicLlm } from '../src/providers/anthropic/index.js';
import { OpenAiLlm, OpenAiTts } from '../src/providers/openai/index.js';
import { startFakeAnthropic } from '../src/testing/fakes/anthropic.js';
import { startFakeGemini } from '../src/testing/fakes/gemini.js';
import { GeminiLlm } from '../src/providers/gemini/index.js';
import { DeepgramAuraTts } from '../src/providers/deepgram-aura/index.js';
import { startFakeDeepgramAura } from '../src/testing/fakes/deepgram-aura.js';
import type { AudioSpec, SttEvent, TtsSession } from '../src/providers/types.js';
import { startFakeCartesia, startFakeDeepgram, startFakeElevenLabs, startFakeOpenAi, syntheticSpeech } from '../src/testing/index.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 10 : 40;
const DELAY = 100;
const MULAW: AudioSpec = { encoding: 'mulaw', sampleRate: 8000 };

interface Row {
  name: string;
  delayMs: number;
  oursP50: number;
  oursP95: number;
  rawP50: number;
  rawP95: number;
  overheadP50: number;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

async function measure(name: string, ours: () => Promise<number>, raw: () => Promise<number>): Promise<Row> {
  await ours();
  await raw();
  const o: number[] = [];
  const r: number[] = [];
  // Interleave so machine load affects both alike.
  for (let i = 0; i < RUNS; i++) {
    o.push(await ours());
    r.push(await raw());
  }
  const row = { name, delayMs: DELAY, oursP50: pct(o, 50), oursP95: pct(o, 95), rawP50: pct(r, 50), rawP95: pct(r, 95), overheadP50: pct(o, 50) - pct(r, 50) };
  return row;
}

/** Raw client: read the whole SSE body; when `marker` first appeared, ms after `t0`. */
async function firstSeen(res: Response, t0: number, marker: string): Promise<number> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let text = '';
  let first = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
    if (first === 0 && text.includes(marker)) first = performance.now() - t0;
  }
  return first;
}

const rows: Row[] = [];
const never = new AbortController().signal;

// ---------------------------------------------------------------- LLM
{
  const fake = await startFakeOpenAi({ ttftMs: DELAY });
  const llm = new OpenAiLlm({ model: 'gpt-4o-mini', baseUrl: fake.baseUrl, apiKey: fake.apiKey, env: {} });
  await llm.warm(never);
  const messages = [{ role: 'user' as const, content: 'hi' }];
  rows.push(
    await measure(
      'OpenAI-compatible chat: request -> first token',
      async () => {
        fake.chat.reply({ text: 'Hello there.' });
        const t0 = performance.now();
        let first = 0;
        for await (const e of llm.chat({ messages, signal: never })) if (e.type === 'text' && first === 0) first = performance.now() - t0;
        return first;
      },
      async () => {
        fake.chat.reply({ text: 'Hello there.' });
        const t0 = performance.now();
        const res = await fetch(`${fake.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }),
        });
        return firstSeen(res, t0, '"content":"Hello');
      },
    ),
  );
  await fake.close();
}

// ---------------------------------------------------------------- Anthropic
{
  const fake = await startFakeAnthropic({ ttftMs: DELAY });
  const llm = new AnthropicLlm({ model: 'claude-3-5-haiku-20241022', baseUrl: fake.baseUrl, apiKey: fake.apiKey, env: {} });
  await llm.warm(never);
  const messages = [{ role: 'user' as const, content: 'hi' }];
  fake.otherwise({ text: 'Hello there.' });
  rows.push(
    await measure(
      'Anthropic Messages (SSE): request -> first token',
      async () => {
        const t0 = performance.now();
        let first = 0;
        for await (const e of llm.chat({ messages, signal: never })) if (e.type === 'text' && first === 0) first = performance.now() - t0;
        return first;
      },
      async () => {
        const t0 = performance.now();
        const res = await fetch(`${fake.baseUrl}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': fake.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'claude-3-5-haiku-20241022', max_tokens: 64, messages, stream: true }),
        });
        return firstSeen(res, t0, '"text":"Hello');
      },
    ),
  );
  await fake.close();
}

// ---------------------------------------------------------------- Gemini
{
  const fake = await startFakeGemini({ ttftMs: DELAY });
  const llm = new GeminiLlm({ model: 'gemini-2.0-flash', baseUrl: fake.baseUrl, apiKey: fake.apiKey, env: {} });
  await llm.warm(never);
  const messages = [{ role: 'user' as const, content: 'hi' }];
  fake.otherwise({ text: 'Hello there.' });
  rows.push(
    await measure(
      'Gemini streamGenerateContent (SSE): request -> first token',
      async () => {
        const t0 = performance.now();
        let first = 0;
        for await (const e of llm.chat({ messages, signal: never })) if (e.type === 'text' && first === 0) first = performance.now() - t0;
        return first;
      },
      async () => {
        const t0 = performance.now();
        const res = await fetch(`${fake.baseUrl}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, {
          method: 'POST',
          headers: { 'x-goog-api-key': fake.apiKey, 'content-type': 'application/json' },
          body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
        });
        return firstSeen(res, t0, '"text":"Hello');
      },
    ),
  );
  await fake.close();
}

// ---------------------------------------------------------------- OpenAI TTS
{
  const fake = await startFakeOpenAi({ speech: { ttfbMs: DELAY } });
  const tts = new OpenAiTts({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, env: {} });
  const session = await tts.open({ preferred: [MULAW], signal: never, callId: 'b', streamId: 'b', now: () => performance.now() });
  rows.push(
    await measure(
      'OpenAI speech (HTTP): request -> first audio byte',
      async () => {
        const t0 = performance.now();
        let first = 0;
        for await (const _ of session.synthesize('Hello there.', { signal: never })) if (first === 0) first = performance.now() - t0;
        return first;
      },
      async () => {
        const t0 = performance.now();
        const res = await fetch(`${fake.baseUrl}/audio/speech`, {
          method: 'POST',
          headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'tts-1', input: 'Hello there.', voice: 'alloy', response_format: 'pcm' }),
        });
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        let first = 0;
        for (;;) {
          const { done } = await reader.read();
          if (done) break;
          if (first === 0) first = performance.now() - t0;
        }
        return first;
      },
    ),
  );
  await fake.close();
}

// ---------------------------------------------------------------- multi-context TTS sockets
async function rawSocketFirstAudio(ws: WebSocket, send: () => void, isAudio: (m: Record<string, unknown>) => boolean, isEnd: (m: Record<string, unknown>) => boolean): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let first = 0;
    const on = (data: Buffer): void => {
      const m = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (first === 0 && isAudio(m)) first = performance.now() - t0;
      if (isEnd(m)) {
        ws.off('message', on);
        resolve(first);
      }
    };
    ws.on('message', on);
    send();
  });
}

/** One row for a multi-context TTS socket: callwire's session vs a raw socket sending `frames(id)`. */
async function socketTtsRow(
  name: string,
  session: TtsSession,
  ws: WebSocket,
  frames: (id: string) => string[],
  isAudio: (m: Record<string, unknown>, id: string) => boolean,
  isEnd: (m: Record<string, unknown>, id: string) => boolean,
): Promise<Row> {
  await new Promise((r) => ws.once('open', r));
  let n = 0;
  const row = await measure(
    name,
    async () => {
      const t0 = performance.now();
      let first = 0;
      for await (const _ of session.synthesize('Hello there.', { signal: never })) if (first === 0) first = performance.now() - t0;
      return first;
    },
    () => {
      const id = `raw${n++}`;
      return rawSocketFirstAudio(
        ws,
        () => {
          for (const f of frames(id)) ws.send(f);
        },
        (m) => isAudio(m, id),
        (m) => isEnd(m, id),
      );
    },
  );
  ws.close();
  await session.close();
  return row;
}

const open = { preferred: [MULAW], signal: never, callId: 'b', streamId: 'b', now: () => performance.now() };
{
  const fake = await startFakeElevenLabs({ pacing: { ttfbMs: DELAY } });
  const session = await new ElevenLabsTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, env: {} }).open(open);
  const ws = new WebSocket(`${fake.baseUrl.replace('http', 'ws')}/v1/text-to-speech/v/multi-stream-input?output_format=ulaw_8000&auto_mode=true`, { headers: { 'xi-api-key': fake.apiKey } });
  rows.push(
    await socketTtsRow(
      'ElevenLabs multi-context WS: text sent -> first audio',
      session,
      ws,
      (id) => [{ text: ' ', context_id: id }, { text: 'Hello there.', context_id: id }, { context_id: id, flush: true }, { context_id: id, close_context: true }].map((m) => JSON.stringify(m)),
      (m, id) => typeof m.audio === 'string' && m.contextId === id,
      (m, id) => m.isFinal === true && m.contextId === id,
    ),
  );
  await fake.close();
}
{
  const fake = await startFakeCartesia({ pacing: { ttfbMs: DELAY } });
  const session = await new CartesiaTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, env: {} }).open(open);
  const ws = new WebSocket(`${fake.baseUrl.replace('http', 'ws')}/tts/websocket?cartesia_version=2025-04-16`, { headers: { authorization: `Bearer ${fake.apiKey}` } });
  const request = (id: string) => ({ model_id: 'sonic-2', transcript: 'Hello there.', voice: { mode: 'id', id: 'v' }, output_format: { container: 'raw', encoding: 'pcm_mulaw', sample_rate: 8000 }, context_id: id, continue: false });
  rows.push(
    await socketTtsRow(
      'Cartesia WS: text sent -> first audio',
      session,
      ws,
      (id) => [JSON.stringify(request(id))],
      (m, id) => m.type === 'chunk' && m.context_id === id,
      (m, id) => m.type === 'done' && m.context_id === id,
    ),
  );
  await fake.close();
}

// ---------------------------------------------------------------- Deepgram Aura
{
  const fake = await startFakeDeepgramAura({ ttfbMs: DELAY });
  const session = await new DeepgramAuraTts({ apiKey: fake.apiKey, baseUrl: fake.url, env: {} }).open(open);
  const raw = new WebSocket(`${fake.url}/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000`, { headers: { authorization: `Token ${fake.apiKey}` } });
  await new Promise((r) => raw.once('open', r));
  rows.push(
    await measure(
      'Deepgram Aura WS: text sent -> first audio',
      async () => {
        const t0 = performance.now();
        let first = 0;
        for await (const c of session.synthesize('Hello there.', { signal: never })) if (first === 0 && c.length > 0) first = performance.now() - t0;
        return first;
      },
      () =>
        new Promise<number>((resolve) => {
          const t0 = performance.now();
          let first = 0;
          const on = (data: Buffer, isBinary: boolean): void => {
            if (isBinary && first === 0) first = performance.now() - t0;
            if (!isBinary && String(data).includes('Flushed')) {
              raw.off('message', on);
              resolve(first);
            }
          };
          raw.on('message', on);
          raw.send(JSON.stringify({ type: 'Speak', text: 'Hello there.' }));
          raw.send(JSON.stringify({ type: 'Flush' }));
        }),
    ),
  );
  raw.close();
  await session.close();
  await fake.close();
}

// ---------------------------------------------------------------- Deepgram
{
  const fake = await startFakeDeepgram({ latencyMs: DELAY, transcript: () => 'hello there' });
  const stt = new DeepgramStt({ apiKey: fake.apiKey, baseUrl: fake.url, env: {}, endpointingMs: 300 });
  // One utterance then the endpointing silence; the clock starts when the last byte is pushed.
  const utterance = pcmToSpec(MULAW, concatPcm([syntheticSpeech('hello there', 8000).pcm, silence(400, 8000)]));
  const session = await stt.open({ audio: MULAW, signal: never, callId: 'bench', streamId: 'b', now: () => performance.now() });
  const finals: ((e: SttEvent) => void)[] = [];
  void (async () => {
    for await (const e of session) if (e.type === 'final' && e.speechFinal) finals.shift()?.(e);
  })();
  const raw = new WebSocket(`${fake.url}/v1/listen?encoding=mulaw&sample_rate=8000&endpointing=300&tag=raw`, { headers: { authorization: `Token ${fake.apiKey}` } });
  await new Promise((r) => raw.once('open', r));
  rows.push(
    await measure(
      'Deepgram WS: last audio byte pushed -> speech_final result',
      async () => {
        const got = new Promise<void>((r) => finals.push(() => r()));
        session.push(utterance);
        const t0 = performance.now();
        await got;
        return performance.now() - t0;
      },
      () =>
        new Promise((resolve) => {
          const on = (data: Buffer): void => {
            const m = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
            if (m.type === 'Results' && m.speech_final === true) {
              raw.off('message', on);
              resolve(performance.now() - t0);
            }
          };
          raw.on('message', on);
          raw.send(utterance);
          const t0 = performance.now();
        }),
    ),
  );
  raw.close();
  await session.close();
  await fake.close();
}

// ---------------------------------------------------------------- AssemblyAI
{
  const fake = await startFakeAssemblyAi({ latencyMs: DELAY, transcripts: Array.from({ length: 1000 }, () => 'hello there') });
  const stt = new AssemblyAiStt({ apiKey: fake.apiKey, baseUrl: fake.url, env: {}, formatTurns: false });
  // One turn then the end-of-turn silence; the clock starts when the last byte is pushed.
  const utterance = pcmToSpec(MULAW, concatPcm([syntheticSpeech('hello there', 8000).pcm, silence(500, 8000)]));
  const session = await stt.open({ audio: MULAW, signal: never, callId: 'bench', streamId: 'b', now: () => performance.now() });
  const finals: ((e: SttEvent) => void)[] = [];
  void (async () => {
    for await (const e of session) if (e.type === 'final') finals.shift()?.(e);
  })();
  const raw = new WebSocket(`${fake.url}/v3/ws?encoding=pcm_mulaw&sample_rate=8000`, { headers: { authorization: fake.apiKey } });
  await new Promise((r) => raw.once('message', r));
  rows.push(
    await measure(
      'AssemblyAI WS: last audio byte pushed -> end-of-turn Turn',
      async () => {
        const got = new Promise<void>((r) => finals.push(() => r()));
        session.push(utterance);
        const t0 = performance.now();
        await got;
        return performance.now() - t0;
      },
      () =>
        new Promise((resolve) => {
          const on = (data: Buffer): void => {
            const m = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
            if (m.type === 'Turn' && m.end_of_turn === true) {
              raw.off('message', on);
              resolve(performance.now() - t0);
            }
          };
          raw.on('message', on);
          // v3 takes 50-1000 ms per message: 100 ms pieces, as the client sends.
          const size = Math.ceil(utterance.length / Math.ceil(utterance.length / 800));
          for (let i = 0; i < utterance.length; i += size) raw.send(utterance.subarray(i, i + size));
          const t0 = performance.now();
        }),
    ),
  );
  raw.close();
  await session.close();
  await fake.close();
}

// ---------------------------------------------------------------- reconnect after a drop
const reconnect: { name: string; p50: number; p95: number }[] = [];
{
  const fake = await startFakeDeepgram({ transcript: () => 'hello there' });
  const stt = new DeepgramStt({ apiKey: fake.apiKey, baseUrl: fake.url, env: {}, reconnect: { baseDelayMs: 0 } });
  const ms: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 15); i++) {
    fake.dropNextConnection(200);
    const got = new Promise<number>((resolve) => {
      void stt
        .open({ audio: MULAW, signal: never, callId: `r${i}`, streamId: 'b', now: () => performance.now(), onMetric: (m) => m.type === 'reconnect' && resolve(m.ms) })
        .then((session) => {
          void (async () => {
            for await (const _ of session) {
              // drain
            }
          })();
          session.push(pcmToSpec(MULAW, silence(400, 8000)));
          void got.then(() => session.close());
        });
    });
    ms.push(await got);
  }
  reconnect.push({ name: 'Deepgram: socket dropped -> new socket open and un-finalised audio replayed', p50: pct(ms, 50), p95: pct(ms, 95) });
  await fake.close();
}
{
  const fake = await startFakeElevenLabs();
  const tts = new ElevenLabsTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, env: {}, retry: { baseDelayMs: 0 } });
  const ms: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 15); i++) {
    let took = Number.NaN;
    fake.dropNextConnection(4000);
    const session = await tts.open({ preferred: [MULAW], signal: never, callId: 'b', streamId: 'b', now: () => performance.now(), onMetric: (m) => {
      if (m.type === 'reconnect') took = m.ms;
    } });
    for await (const _ of session.synthesize('Your package left our warehouse this morning and arrives on Thursday', { signal: never })) {
      // drain
    }
    ms.push(took);
    await session.close();
  }
  reconnect.push({ name: 'ElevenLabs: socket dropped mid-audio -> new socket open and the rest re-requested', p50: pct(ms, 50), p95: pct(ms, 95) });
  await fake.close();
}

const table = [
  '| path | server delay | callwire p50 / p95 | raw client p50 / p95 | callwire overhead (p50) |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${r.delayMs} ms | ${r.oursP50.toFixed(1)} / ${r.oursP95.toFixed(1)} ms | ${r.rawP50.toFixed(1)} / ${r.rawP95.toFixed(1)} ms | ${r.overheadP50 >= 0 ? '+' : ''}${r.overheadP50.toFixed(1)} ms |`),
];
table.push('', '| reconnect over loopback (the first attempt starts at once) | p50 | p95 |', '|---|---|---|', ...reconnect.map((r) => `| ${r.name} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms |`));
console.log(JSON.stringify({ suite: 'providers', quick, runs: RUNS, rows, reconnect }, null, 2));
console.log(table.join('\n'));
process.exit(0);
