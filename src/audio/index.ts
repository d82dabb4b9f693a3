/**
 * `callwire/audio`: the pure audio core. G.711 mu-law and L16 codecs, a streaming
 * resampler, 20 ms framing, WAV parsing and writing, levels and test signals.
 */
export { MULAW_DECODE_TABLE, MULAW_ENCODE_TABLE, MULAW_SILENCE, decodeMulaw, decodeMulawInto, encodeMulaw, encodeMulawInto, mulawDecodeSample, mulawEncodeSample } from './mulaw.js';
export { concatBytes, concatPcm, floatToPcm, l16ToPcm, l16ToPcmInto, pcmToL16, pcmToL16Into } from './pcm.js';
export { SUPPORTED_RATES, createResampler, type Resampler, type ResamplerOptions } from './resampler.js';
export { Framer, splitFrames } from './framer.js';
export { decodeWav, encodeWav, interleaveStereo, isWav, parseWav, stripWavHeader, type WavEncoding, type WavInfo } from './wav.js';
export { SPEECH_PEAK_THRESHOLD, dbfs, firstAbove, firstAboveMulaw, highBandRatio, peak, rms } from './level.js';
export { dtmfTone, silence, tone, type ToneOptions } from './generate.js';
export { WireDecoder, WireEncoder, pcmToWire, silenceByte, wireToPcm, type WireAudioFormat } from './codec.js';
