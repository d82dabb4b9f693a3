// Audio for the browser phone, self-contained (the browser cannot import the server's Node
// code): G.711 mu-law and 16-bit little-endian PCM, base64, and a streaming windowed-sinc
// resampler that low-passes below the lower rate's Nyquist frequency, so a 48 kHz
// microphone becomes clean 8 or 16 kHz telephone audio without aliasing.

const BIAS = 0x84;
const CLIP = 32635;

/** G.711 mu-law encode of one PCM16 sample (ITU-T reference: bias 0x84, clip 32635). */
export function mulawEncodeSample(sample) {
  let s = sample | 0;
  const sign = (s >> 8) & 0x80;
  if (sign !== 0) s = -s;
  s += BIAS;
  if (s > CLIP) s = CLIP;
  const exponent = 31 - Math.clz32(s) - 7;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** mu-law byte -> PCM16 sample. */
export function mulawDecodeSample(byte) {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << exponent) - BIAS;
  // `| 0` keeps the zero of the negative half a plain 0.
  return (u & 0x80) !== 0 ? -magnitude | 0 : magnitude;
}

const MULAW_TO_FLOAT = new Float32Array(256);
for (let b = 0; b < 256; b++) MULAW_TO_FLOAT[b] = mulawDecodeSample(b) / 32768;

/** Float sample (-1..1) -> PCM16 integer, clipped; the same scaling as the server's floatToPcm. */
export function floatToPcm16(v) {
  const c = Math.max(-1, Math.min(1, v));
  return c < 0 ? Math.round(c * 32768) : Math.round(c * 32767);
}

/**
 * Encode float samples in a stream's wire encoding.
 * @param {Float32Array} samples
 * @param {'audio/x-mulaw' | 'audio/x-l16'} encoding
 * @returns {Uint8Array}
 */
export function encodeWire(samples, encoding) {
  if (encoding === 'audio/x-mulaw') {
    const out = new Uint8Array(samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = mulawEncodeSample(floatToPcm16(samples[i]));
    return out;
  }
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, floatToPcm16(samples[i]), true);
  return out;
}

/**
 * Decode wire bytes to float samples. Throws on an odd-length L16 payload.
 * @param {Uint8Array} bytes
 * @param {'audio/x-mulaw' | 'audio/x-l16'} encoding
 * @returns {Float32Array}
 */
export function decodeWire(bytes, encoding) {
  if (encoding === 'audio/x-mulaw') {
    const out = new Float32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) out[i] = MULAW_TO_FLOAT[bytes[i]];
    return out;
  }
  if (bytes.length % 2 !== 0) throw new Error(`L16 payload has an odd length (${bytes.length} bytes)`);
  const out = new Float32Array(bytes.length / 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

/** Bytes -> standard base64. */
export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Standard base64 -> bytes. Throws on invalid input. */
export function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const ZEROS = 12; // sinc zero crossings each side: ~70 dB stopband with the Blackman window
const STEPS = 256; // kernel table resolution per input sample

/**
 * Streaming sample-rate converter (float in, float out) for any pair of rates. A
 * Blackman-windowed sinc with its cutoff at 0.45 of the lower rate, read from a table.
 * Keeps only the input history the filter needs between calls.
 */
export class Resampler {
  /** @param {number} inRate @param {number} outRate */
  constructor(inRate, outRate) {
    this.inRate = inRate;
    this.outRate = outRate;
    // Input samples advanced per output sample.
    this.step = inRate / outRate;
    const fc = (0.45 * Math.min(inRate, outRate)) / inRate; // cycles per input sample
    this.half = Math.ceil(ZEROS / (2 * fc)); // filter half-width in input samples
    const n = this.half * STEPS;
    this.table = new Float32Array(n + 2);
    for (let i = 0; i <= n + 1; i++) {
      const x = i / STEPS;
      const sinc = x === 0 ? 1 : Math.sin(2 * Math.PI * fc * x) / (2 * Math.PI * fc * x);
      const w = x >= this.half ? 0 : 0.42 + 0.5 * Math.cos((Math.PI * x) / this.half) + 0.08 * Math.cos((2 * Math.PI * x) / this.half);
      this.table[i] = 2 * fc * sinc * w;
    }
    this.history = new Float32Array(0);
    // Position of the next output sample, in input samples from history[0].
    this.pos = 0;
    this.primed = false;
  }

  /** Samples of delay the filter adds, at the output rate. */
  get delay() {
    return Math.round(this.half / this.step);
  }

  /** @param {Float32Array} input @returns {Float32Array} */
  process(input) {
    let buf;
    if (!this.primed) {
      // Lead with half a filter of silence so the first output sample is centred on input 0.
      buf = new Float32Array(this.half + input.length);
      buf.set(input, this.half);
      this.pos = this.half;
      this.primed = true;
    } else {
      buf = new Float32Array(this.history.length + input.length);
      buf.set(this.history, 0);
      buf.set(input, this.history.length);
    }
    // Every output sample needs `half` input samples after its centre.
    const room = buf.length - 1 - this.half - this.pos;
    const count = room < 0 ? 0 : Math.floor(room / this.step) + 1;
    const out = new Float32Array(count);
    const { table, half } = this;
    for (let k = 0; k < count; k++) {
      const center = this.pos;
      const first = Math.ceil(center - half);
      const last = Math.floor(center + half);
      let acc = 0;
      for (let i = Math.max(0, first); i <= last; i++) {
        const t = Math.abs(i - center) * STEPS;
        const j = t | 0;
        const frac = t - j;
        acc += buf[i] * (table[j] + (table[j + 1] - table[j]) * frac);
      }
      out[k] = acc;
      this.pos += this.step;
    }
    const keep = Math.max(0, Math.floor(this.pos - half));
    this.history = buf.slice(keep);
    this.pos -= keep;
    return out;
  }

  /** Forget history (after a clear: the next audio is unrelated). */
  reset() {
    this.history = new Float32Array(0);
    this.pos = 0;
    this.primed = false;
  }
}
