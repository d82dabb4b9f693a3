/** Cartesia Sonic streaming text-to-speech (WebSocket). */
export { CartesiaTts } from './tts.js';
export { CARTESIA, CARTESIA_DEFAULT_VOICE, CARTESIA_VERSION, type CartesiaTtsOptions } from './options.js';
