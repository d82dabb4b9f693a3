/**
 * Round-2 vendors for `callwire serve --agent ai`, chosen from environment variables (kept
 * apart from from-env.ts so that file stays small): Anthropic as the LLM when
 * `LLM_PROVIDER=anthropic`, or when `ANTHROPIC_API_KEY` is the only LLM key set. `LLM_MODEL`
 * picks the model (default `claude-3-5-haiku-latest`), `ANTHROPIC_BASE_URL` the endpoint.
 */
import { AnthropicLlm } from '../providers/anthropic/index.js';

type Env = Readonly<Record<string, string | undefined>>;

const has = (env: Env, name: string): boolean => (env[name] ?? '').trim() !== '';

/** The Anthropic LLM and its model when the environment asks for it, else undefined. */
export function anthropicFromEnv(env: Env): { llm: AnthropicLlm; model: string } | undefined {
  const chosen = (env.LLM_PROVIDER ?? '').trim().toLowerCase();
  const only = has(env, 'ANTHROPIC_API_KEY') && !has(env, 'OPENAI_API_KEY') && !has(env, 'OPENAI_BASE_URL');
  if (chosen !== 'anthropic' && !(chosen === '' && only)) return undefined;
  const model = env.LLM_MODEL || 'claude-3-5-haiku-latest';
  return { llm: new AnthropicLlm({ env, model }), model };
}
