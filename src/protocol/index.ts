/**
 * `callwire/protocol`: the pure Plivo Audio Streams layer. Wire messages (both directions),
 * Stream XML, request signatures and status callbacks. No I/O, timers or logging.
 */
export { STREAM_FORMATS, bytesToMs, formatFromContentType, formatFromWire, msToBytes, streamFormat, type Encoding, type StreamFormat, type StreamFormatName } from './format.js';
export type { ClearAudioMessage, CheckpointMessage, ClearedAudioMessage, DtmfMessage, ExtraHeaderFields, InboundMessage, MediaMessage, OutboundMessage, PlayAudioMessage, PlayedStreamMessage, SendDtmfMessage, StartMessage, StopMessage, UnknownInboundMessage } from './messages.js';
export { DTMF_DIGITS } from './messages.js';
export { DEFAULT_MAX_INBOUND_LENGTH, parseInbound, type ParseInboundOptions } from './parse-inbound.js';
export { checkpoint, clearAudio, playAudio, sendDtmf, serializeOutbound } from './outbound.js';
export { parseOutbound, type ReceivedOutbound, type ReceivedPlayAudio } from './parse-outbound.js';
export { clearedAudioMessage, dtmfMessage, mediaMessage, playedStreamMessage, serializeInbound, startMessage, stopMessage, type MediaInit, type StartInit } from './serialize-inbound.js';
export { formatExtraHeaders, parseExtraHeaders } from './extra-headers.js';
export { decodeBase64, encodeBase64, isBase64 } from './base64.js';
export { MAX_EXTRA_HEADERS_BYTES, streamAttributes, streamElement, streamXml, type AudioTrack, type StreamXmlOptions } from './stream-xml.js';
export { parseXml, type ParseXmlOptions, type XmlElement } from './xml-parse.js';
export { PLIVO_DEFAULT_CONTENT_TYPE, readStreamXml, type StreamXmlInfo } from './read-stream-xml.js';
export { escapeXml } from './xml-escape.js';
export { computeSignatureV2, computeSignatureV3, signatureBaseV3, validateSignatureV2, validateSignatureV3, type SignatureParams, type SignatureV2Input, type SignatureV3Input, type ValidateV3Input } from './signature.js';
export { STATUS_FIELD_LIMITS, flattenFields, parseStreamStatus, type StreamStatusEvent, type StreamStatusName } from './status.js';
