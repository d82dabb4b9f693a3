/** AssemblyAI close codes -> ProviderError. */
import { ProviderError } from '../../errors.js';
import type { AudioSpec } from '../types.js';
import { ASSEMBLYAI, type AssemblyAiConfig } from './options.js';

/**
 * The error a close code means (https://www.assemblyai.com/docs/streaming/common-session-errors-and-closures):
 * 1008 "Unauthorized Connection: Too many concurrent sessions" is a rate limit (retryable);
 * any other 1008 is the key or the account; 3007 (chunk size or rate) and 3006 (bad message)
 * are our request; the rest (3005 cancelled, 3008 expired, 1006, 1011) are worth a reconnect.
 */
export function closeError(c: AssemblyAiConfig, code: number, reason: string, audio: AudioSpec): ProviderError {
  const says = reason === '' ? '' : ` AssemblyAI said: "${reason.replaceAll(c.apiKey, '[redacted]').slice(0, 160)}"`;
  const details = { closeCode: code, envVar: ASSEMBLYAI.envVar };
  if (code === 1008 && /too many/i.test(reason)) return new ProviderError('PROVIDER_RATE_LIMITED', ASSEMBLYAI.id, `AssemblyAI refused a new streaming session (close 1008): too many sessions for the account behind ${ASSEMBLYAI.envVar}.${says}`, { details });
  if (code === 1008) return new ProviderError('PROVIDER_AUTH_FAILED', ASSEMBLYAI.id, `${ASSEMBLYAI.envVar} was rejected (close 1008) by AssemblyAI for live transcription: check the key is valid and the account can stream.${says}`, { details });
  if (code === 3006 || code === 3007) return new ProviderError('PROVIDER_BAD_REQUEST', ASSEMBLYAI.id, `AssemblyAI rejected the stream (close ${code}): audio must be ${audio.encoding} at ${audio.sampleRate} Hz in 50-1000 ms messages.${says}`, { details });
  return new ProviderError('PROVIDER_DISCONNECTED', ASSEMBLYAI.id, `AssemblyAI closed the stream (${code}).${says}`, { details });
}

