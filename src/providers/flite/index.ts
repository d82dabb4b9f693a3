/** The embedded flite TTS: a worker pool, a text -> PCM function and a TtsProvider. */
export { FlitePool, MAX_FLITE_TEXT, sharedFlitePool, type FlitePoolOptions } from './pool.js';
export { chooseFliteFormat, fliteTts, type FliteTtsOptions } from './provider.js';
export { resampleAll, synthesizeSpeech, type SpeechAudio, type FliteSynthesizeOptions } from './synthesize.js';
export { DEFAULT_FLITE_VOICE, FLITE_VOICES, fliteVoice, type FliteVoice } from './voices.js';
