/**
 * A fake OpenAI-compatible server on loopback: `/v1/chat/completions` (see openai-chat.ts),
 * `/v1/audio/speech` (openai-speech.ts) and `/v1/models`, behind `Authorization: Bearer`.
 * Point any OpenAI-compatible client at `baseUrl`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, defaultClock } from '../../clock.js';
import { FakeChatCompletions } from './openai-chat.js';
import { openAiError } from './openai-wire.js';
import { FakeSpeech } from './openai-speech.js';
import type { AudioPacing } from './paced-audio.js';
import { HttpHost, sendJson } from './http-host.js';

/** Options of {@link startFakeOpenAi}. */
export interface FakeOpenAiOptions {
  /** The key clients must send; default `test-openai-key`. `''` accepts any request. */
  readonly apiKey?: string;
  /** Models served by `/models` and accepted by chat; default `['gpt-4o-mini']`. */
  readonly models?: readonly string[];
  /** Speech models; default `['gpt-4o-mini-tts', 'tts-1']`. */
  readonly speechModels?: readonly string[];
  /** Chat time to first token; default 0. */
  readonly ttftMs?: number;
  /** Chat delay between tokens; default 0. */
  readonly interTokenMs?: number;
  /** Speech pacing; default instant. */
  readonly speech?: AudioPacing;
  readonly clock?: Clock;
}

/** A running fake. */
export interface FakeOpenAi {
  /** e.g. `http://127.0.0.1:41234/v1`: pass as `baseUrl`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly chat: FakeChatCompletions;
  readonly speech: FakeSpeech;
  /** TCP connections accepted so far (keep-alive reuse keeps this low). */
  readonly connections: number;
  close(): Promise<void>;
}

/** Start a fake OpenAI-compatible server on 127.0.0.1 (port 0). */
export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const clock = options.clock ?? defaultClock;
  const apiKey = options.apiKey ?? 'test-openai-key';
  const models = options.models ?? ['gpt-4o-mini'];
  const speechModels = options.speechModels ?? ['gpt-4o-mini-tts', 'tts-1'];
  const chat = new FakeChatCompletions(clock, models, options.ttftMs ?? 0, options.interTokenMs ?? 0);
  const speech = new FakeSpeech(clock, options.speech ?? {});
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    if (apiKey !== '' && req.headers.authorization !== `Bearer ${apiKey}`) {
      sendJson(
        res,
        401,
        openAiError(
          req.headers.authorization === undefined
            ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            : 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
          'invalid_request_error',
          'invalid_api_key',
        ),
      );
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      const created = Math.floor(Date.now() / 1000);
      sendJson(res, 200, { object: 'list', data: [...models, ...speechModels].map((id) => ({ id, object: 'model', created, owned_by: 'fake' })) });
      return;
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      void chat.handle(req, res);
      return;
    }
    if (req.method === 'POST' && path === '/v1/audio/speech') {
      void speech.handle(req, res, speechModels);
      return;
    }
    sendJson(res, 404, openAiError(`Invalid URL (${req.method} ${path})`, 'invalid_request_error', null));
  };
  const host = await HttpHost.start({ request: route });
  return {
    baseUrl: `${host.httpUrl}/v1`,
    apiKey,
    chat,
    speech,
    get connections() {
      return host.connections;
    },
    close: () => host.close(),
  };
}
