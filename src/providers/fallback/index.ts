/**
 * Fallback chains for STT, LLM and TTS: `fallback([primary, secondary, ...])` moves a call to
 * the next provider mid-call when one fails, and tracks each provider's health across calls.
 */
import { ConfigError } from '../../errors.js';
import type { LlmProvider, SttProvider, TtsProvider } from '../types.js';
import { FallbackLlm } from './llm.js';
import type { FallbackOptions } from './options.js';
import { FallbackStt } from './stt.js';
import { FallbackTts } from './tts.js';

export { FallbackLlm } from './llm.js';
export { FallbackStt } from './stt.js';
export { FallbackTts } from './tts.js';
export { ChainHealth, type HealthChange, type ProviderStanding } from './health.js';
export type { FallbackOptions } from './options.js';

/**
 * A chain of providers of one kind, the primary first: an STT, LLM or TTS provider itself.
 * @throws {ConfigError} CONFIG_INVALID for fewer than two providers, mixed kinds, or STT providers with no common input format
 */
export function fallback(providers: readonly SttProvider[], options?: FallbackOptions): FallbackStt;
export function fallback(providers: readonly LlmProvider[], options?: FallbackOptions): FallbackLlm;
export function fallback(providers: readonly TtsProvider[], options?: FallbackOptions): FallbackTts;
export function fallback(providers: readonly (SttProvider | LlmProvider | TtsProvider)[], options?: FallbackOptions): FallbackStt | FallbackLlm | FallbackTts {
  const all = (test: (p: object) => boolean): boolean => Array.isArray(providers) && providers.length > 0 && providers.every((p) => typeof p === 'object' && p !== null && test(p));
  if (all((p) => 'inputFormats' in p)) return new FallbackStt(providers as SttProvider[], options);
  if (all((p) => 'outputFormats' in p)) return new FallbackTts(providers as TtsProvider[], options);
  if (all((p) => typeof (p as LlmProvider).chat === 'function')) return new FallbackLlm(providers as LlmProvider[], options);
  throw new ConfigError('CONFIG_INVALID', 'fallback needs an array of STT, LLM or TTS providers, all of one kind, the primary first');
}
