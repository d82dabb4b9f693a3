/** Anthropic Messages (native streaming, tool use, prompt caching): `callwire/providers/anthropic`. */
export { AnthropicLlm } from './llm.js';
export { ANTHROPIC, type AnthropicLlmOptions } from './options.js';
export { buildMessagesBody } from './request.js';
