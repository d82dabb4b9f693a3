/** Output formats of the multi-context WebSocket vendors. */
import type { AudioSpec } from '../types.js';

/**
 * What ElevenLabs (`ulaw_8000`, `pcm_*`) and Cartesia (`pcm_mulaw` 8 kHz, `pcm_s16le`) both
 * produce raw, best first for a phone line: mu-law 8 kHz (Plivo's default), then L16 16 kHz.
 */
export const RAW_TTS_FORMATS: readonly AudioSpec[] = [
  { encoding: 'mulaw', sampleRate: 8000 },
  { encoding: 'pcm16', sampleRate: 16000 },
  { encoding: 'pcm16', sampleRate: 8000 },
  { encoding: 'pcm16', sampleRate: 22050 },
  { encoding: 'pcm16', sampleRate: 24000 },
  { encoding: 'pcm16', sampleRate: 44100 },
];
