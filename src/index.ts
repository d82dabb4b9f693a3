/**
 * callwire: real-time voice AI agents on Plivo Audio Streams.
 *
 * The root export holds the server, agent and protocol entry points most apps need;
 * `callwire/protocol`, `callwire/audio` and `callwire/testing` hold the rest.
 */
export {
  AudioError,
  CallwireError,
  ConfigError,
  ERROR_CODES,
  ProtocolError,
  ProviderError,
  RestError,
  SignatureError,
  StreamError,
  XmlError,
  errorFor,
  isCallwireError,
  type CallwireErrorOptions,
  type CodeOf,
  type ErrorCode,
  type ErrorFamily,
} from './errors.js';
export { ManualClock, defaultClock, systemClock, type Clock, type TimerHandle } from './clock.js';
export {
  STREAM_FORMATS,
  checkpoint,
  clearAudio,
  computeSignatureV2,
  computeSignatureV3,
  parseInbound,
  parseStreamStatus,
  playAudio,
  readStreamXml,
  sendDtmf,
  serializeOutbound,
  streamFormat,
  streamXml,
  validateSignatureV2,
  validateSignatureV3,
  type InboundMessage,
  type OutboundMessage,
  type StreamFormat,
  type StreamFormatName,
  type StreamStatusEvent,
  type StreamXmlOptions,
} from './protocol/index.js';
export type { Vad, VadProvider } from './providers/types.js';
export {
  WEBRTC_VAD_RATES,
  webRtcVad,
  type WebRtcVadFrameMs,
  type WebRtcVadMode,
  type WebRtcVadOptions,
} from './providers/webrtc-vad/index.js';
export { SpeechDetector, type SpeechDetectorOptions, type SpeechEvent } from './agent/speech-detector.js';
