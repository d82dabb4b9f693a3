/** ElevenLabs streaming text-to-speech (multi-context WebSocket). */
export { ElevenLabsTts } from './tts.js';
export { ELEVENLABS, ELEVENLABS_DEFAULT_VOICE, type ElevenLabsTtsOptions, type ElevenLabsVoiceSettings } from './options.js';
