/**
 * The WebRTC voice activity detector (libfvad, compiled to WASM by @echogarden/fvad-wasm).
 * It is a small GMM over six sub-band energies: about 1.5 us per 20 ms frame at 8 kHz and
 * a 56 KB dependency (docs/ecosystem.md §5), so it is the default VAD for every call.
 *
 * The WASM module is loaded once per process, on the first {@link VadProvider.create};
 * each call then gets its own detector handle, freed by {@link Vad.destroy}.
 */
import type { FvadModule } from '@echogarden/fvad-wasm';
import { AudioError, ConfigError } from '../../errors.js';
import type { Vad, VadProvider } from '../types.js';

/**
 * Aggressiveness: 0 is the most permissive (fewest missed words, most noise let through),
 * 3 the most aggressive (fewest false positives on noise, may clip soft word edges).
 */
export type WebRtcVadMode = 0 | 1 | 2 | 3;

/** Frame lengths libfvad accepts. */
export type WebRtcVadFrameMs = 10 | 20 | 30;

/** Sample rates libfvad runs at natively. */
export const WEBRTC_VAD_RATES = [8000, 16000, 32000, 48000] as const;

/** Options of {@link webRtcVad}. */
export interface WebRtcVadOptions {
  /**
   * Aggressiveness 0-3; default 3. Phone audio carries line noise, comfort noise and
   * codec artefacts; mode 3 rejects most of it, and the hysteresis in the speech detector
   * absorbs the odd speech frame it misses.
   */
  readonly mode?: WebRtcVadMode;
  /** Frame length; default 20 ms, the length of one Plivo media frame. */
  readonly frameMs?: WebRtcVadFrameMs;
}

let modulePromise: Promise<FvadModule> | undefined;

// Lazily, once per process: importing this file costs nothing until a VAD is needed.
function loadFvad(): Promise<FvadModule> {
  if (modulePromise === undefined) {
    modulePromise = import('@echogarden/fvad-wasm').then((m) => m.default()).catch((e: unknown) => {
      modulePromise = undefined; // allow a later retry instead of caching the failure
      throw e;
    });
  }
  return modulePromise;
}

/**
 * Bytes of WASM memory the shared module holds (0 before it is loaded). Internal: tests
 * use it to prove handles are freed, since the memory grows instead of failing on a leak.
 */
export async function fvadMemoryBytes(): Promise<number> {
  return modulePromise === undefined ? 0 : (await modulePromise).HEAP16.byteLength;
}

interface Held {
  handle: number;
  buf: number;
}

interface Settings {
  readonly rate: number;
  readonly mode: WebRtcVadMode;
}

class WebRtcVad implements Vad {
  readonly #fvad: FvadModule;
  readonly #held: Held;
  readonly #settings: Settings;
  readonly #registry: FinalizationRegistry<Held>;
  readonly #token = {};
  readonly sampleRate: number;
  readonly frameSamples: number;

  constructor(fvad: FvadModule, held: Held, settings: Settings, frameSamples: number, registry: FinalizationRegistry<Held>) {
    this.#fvad = fvad;
    this.#held = held;
    this.#settings = settings;
    this.#registry = registry;
    this.sampleRate = settings.rate;
    this.frameSamples = frameSamples;
    registry.register(this, held, this.#token);
  }

  process(frame: Int16Array): number {
    if (this.#held.handle === 0) throw new AudioError('AUDIO_DESTROYED', 'VAD used after destroy()');
    if (frame.length !== this.frameSamples) {
      throw new AudioError('AUDIO_INVALID_FORMAT', `VAD frame must be ${this.frameSamples} samples (got ${frame.length})`);
    }
    // Read HEAP16 on every call: the view is replaced if the WASM memory ever grows.
    this.#fvad.HEAP16.set(frame, this.#held.buf >> 1);
    const r = this.#fvad._fvad_process(this.#held.handle, this.#held.buf, this.frameSamples);
    if (r < 0) throw new AudioError('AUDIO_INVALID_FORMAT', `fvad_process rejected a ${this.frameSamples}-sample frame`);
    return r;
  }

  reset(): void {
    if (this.#held.handle === 0) return;
    // fvad_reset also puts the rate back to 8 kHz and the mode back to 0: apply ours again.
    this.#fvad._fvad_reset(this.#held.handle);
    configure(this.#fvad, this.#held.handle, this.#settings);
  }

  destroy(): void {
    if (this.#held.handle === 0) return;
    this.#registry.unregister(this.#token);
    freeHeld(this.#fvad, this.#held);
  }
}

function configure(fvad: FvadModule, handle: number, settings: Settings): boolean {
  return fvad._fvad_set_sample_rate(handle, settings.rate) === 0 && fvad._fvad_set_mode(handle, settings.mode) === 0;
}

function freeHeld(fvad: FvadModule, held: Held): void {
  fvad._fvad_free(held.handle);
  fvad._free(held.buf);
  held.handle = 0;
  held.buf = 0;
}

/**
 * The WebRTC VAD as a {@link VadProvider}. `create()` rejects with CONFIG_INVALID for an
 * unsupported rate, mode or frame length.
 */
export function webRtcVad(options: WebRtcVadOptions = {}): VadProvider {
  const mode = options.mode ?? 3;
  const frameMs = options.frameMs ?? 20;
  if (![0, 1, 2, 3].includes(mode)) throw new ConfigError('CONFIG_INVALID', `WebRTC VAD mode must be 0-3 (got ${String(mode)})`);
  if (![10, 20, 30].includes(frameMs)) {
    throw new ConfigError('CONFIG_INVALID', `WebRTC VAD frames must be 10, 20 or 30 ms (got ${String(frameMs)})`);
  }
  let registry: FinalizationRegistry<Held> | undefined;
  return {
    name: 'webrtc',
    sampleRates: WEBRTC_VAD_RATES,
    async create(sampleRate: number): Promise<Vad> {
      if (!(WEBRTC_VAD_RATES as readonly number[]).includes(sampleRate)) {
        throw new AudioError('AUDIO_UNSUPPORTED_RATE', `WebRTC VAD runs at ${WEBRTC_VAD_RATES.join(', ')} Hz (got ${sampleRate})`);
      }
      const fvad = await loadFvad();
      // Safety net: a handle whose owner forgot destroy() is freed when the owner is collected.
      registry ??= new FinalizationRegistry<Held>((held) => freeHeld(fvad, held));
      const handle = fvad._fvad_new();
      if (handle === 0) throw new AudioError('AUDIO_INVALID_FORMAT', 'fvad_new failed (out of WASM memory)');
      const frameSamples = (sampleRate * frameMs) / 1000;
      const held: Held = { handle, buf: fvad._malloc(frameSamples * 2) };
      const settings: Settings = { rate: sampleRate, mode };
      if (!configure(fvad, handle, settings)) {
        freeHeld(fvad, held);
        throw new ConfigError('CONFIG_INVALID', `libfvad refused rate ${sampleRate} / mode ${mode}`);
      }
      return new WebRtcVad(fvad, held, settings, frameSamples, registry);
    },
  };
}
