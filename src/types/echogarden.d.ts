// Minimal typings for the Emscripten modules we load (the packages ship none).
declare module '@echogarden/speex-resampler-wasm/simd' {
  const factory: (moduleArg?: object) => Promise<SpeexModule>;
  export default factory;
  export interface SpeexModule {
    HEAP16: Int16Array;
    HEAP32: Int32Array;
    HEAPU8: Uint8Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errPtr: number): number;
    _speex_resampler_destroy(state: number): void;
    _speex_resampler_process_int(state: number, channel: number, inPtr: number, inLenPtr: number, outPtr: number, outLenPtr: number): number;
    _speex_resampler_get_input_latency(state: number): number;
    _speex_resampler_get_output_latency(state: number): number;
    _speex_resampler_reset_mem(state: number): number;
  }
}
declare module '@echogarden/fvad-wasm' {
  const factory: (moduleArg?: object) => Promise<FvadModule>;
  export default factory;
  export interface FvadModule {
    HEAP16: Int16Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    _fvad_new(): number;
    _fvad_free(handle: number): void;
    _fvad_reset(handle: number): void;
    _fvad_set_mode(handle: number, mode: number): number;
    _fvad_set_sample_rate(handle: number, rate: number): number;
    _fvad_process(handle: number, framePtr: number, length: number): number;
  }
}
