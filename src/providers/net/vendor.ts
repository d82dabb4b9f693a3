/** Who a provider is, so errors and metrics can name it and the setting to fix. */
import type { ProviderKind } from '../types.js';

/** Identity of one cloud vendor as one seam (STT, LLM or TTS). */
export interface VendorInfo {
  /** Stable id used in `ProviderError.provider` and metrics, e.g. `deepgram`. */
  readonly id: string;
  /** Human name for messages, e.g. `Deepgram`. */
  readonly label: string;
  /** The documented env var holding the key, e.g. `DEEPGRAM_API_KEY`. */
  readonly envVar: string;
  readonly kind: ProviderKind;
}
