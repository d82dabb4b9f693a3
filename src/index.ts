/**
 * callwire: real-time voice AI agents on Plivo Audio Streams.
 *
 * The root export holds what most apps need: the server, agents and tools, the call and its
 * player, errors, the clock, and the provider interfaces a vendor implements. The rest is at
 * subpaths: `callwire/providers/<vendor>` (deepgram, openai, elevenlabs, cartesia, flite,
 * webrtc-vad), `callwire/protocol`, `callwire/audio`, `callwire/store`, `callwire/dashboard`,
 * `callwire/doctor` and `callwire/testing`. `api/callwire.api.md` lists every export.
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
export { ManualClock, defaultClock, scaledClock, systemClock, type Clock, type TimerHandle } from './clock.js';
export { DEFAULT_BUDGET, type LatencyBudget } from './latency-budget.js';

// The server.
export { CallwireServer, createServer, type ListenInfo, type RouteHandler, type ServerEvents } from './server/server.js';
export type { RecordingOptions, ServerLimits, ServerOptions } from './server/options.js';

// The call: one Plivo stream and its outbound player.
export type { StreamHandler } from './stream/handler.js';
export { echoHandler } from './stream/echo.js';
export { CallStream, type CallStreamOptions, type CallStreamState } from './stream/call-stream.js';
export type { CallStreamEvents, EndInfo, EndedBy, InboundAudioFrame, StreamCounters, StreamInfo } from './stream/types.js';
export { Player, PlaybackWriter, type ClearReport, type ClearedItem, type PlayerOptions } from './stream/player.js';
export type { PlaybackItem, PlaybackOptions, PlaybackResult, PlaybackState } from './stream/playback-item.js';
export type { AudioInput } from './stream/audio-input.js';
export { Pacer, sharedPacer } from './stream/pacer.js';
export type { StreamFormat, StreamFormatName } from './protocol/format.js';
export { PlivoRestClient, type PlivoRestOptions, type StartStreamOptions, type TransferOptions } from './rest/plivo-rest.js';
export { createLogger, type Logger, type LoggerOptions } from './log/logger.js';
// A library app's logger fills the dashboard's debug log: createLogger({ onLine: storeLogTap(store) }).
export { storeLogTap } from './server/store-glue.js';

// Agents.
export { defineAgent, type Agent } from './agent/define-agent.js';
export type { AgentSettings, BargeInOptions, DtmfOptions, FillerOptions, Greeting, TurnOptions } from './agent/config.js';
export { AgentSession, type AgentConfig, type AgentEvents, type AgentState } from './agent/session.js';
export { defineTool, hangupTool, sendDtmfTool, transferTool, type Tool, type ToolContext } from './agent/tools.js';
export type { Reply, Responder, UserTurn } from './agent/responder.js';
export { Utterance, type UtteranceOptions, type UtteranceResult } from './agent/speech-output.js';
export { describeLedger, type LedgerMarks, type LedgerStages, type TurnLedger } from './agent/latency-ledger.js';
export type { CollectDigitsOptions, CollectedDigits } from './agent/digits.js';
export type { IdleOptions } from './agent/idle.js';
export { BUILTIN_GREETING, builtinAgent, type BuiltinAgentOptions } from './agent/builtin.js';
export { SpeechDetector, type SpeechDetectorOptions, type SpeechEvent } from './agent/speech-detector.js';

// What a provider implements (the vendors themselves are at `callwire/providers/<vendor>`).
export type {
  AudioSpec,
  ChatMessage,
  LlmEvent,
  LlmProvider,
  LlmRequest,
  ProviderContext,
  ProviderKind,
  ProviderMetric,
  SttEvent,
  SttOpenOptions,
  SttProvider,
  SttSession,
  SttWord,
  SynthesizeOptions,
  TimedWord,
  ToolCall,
  ToolSchema,
  TtsOpenOptions,
  TtsProvider,
  TtsSession,
  Vad,
  VadProvider,
} from './providers/types.js';
export type { RetryOptions } from './providers/net/retry.js';
export type { VendorInfo } from './providers/net/vendor.js';
