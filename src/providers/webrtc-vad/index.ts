/** `callwire/providers/webrtc-vad`: the default voice activity detector (libfvad in WASM). */
export { WEBRTC_VAD_RATES, webRtcVad, type WebRtcVadFrameMs, type WebRtcVadMode, type WebRtcVadOptions } from './webrtc-vad.js';
