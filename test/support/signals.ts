// Synthetic test signals we can reason about: voiced-speech-like harmonic tones with a
// syllable envelope, and seeded white noise at a chosen level.

/** A small deterministic PRNG (mulberry32), so "noise" is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link voiced}. */
export interface VoicedOptions {
  /** Fundamental (pitch) in Hz; default 140 (a low adult voice). */
  f0?: number;
  /** Peak amplitude 0..1; default 0.3 (about -17 dBFS RMS, a normal phone level). */
  amplitude?: number;
  /** Syllables per second for the envelope; 0 = steady vowel. Default 0. */
  syllableHz?: number;
}

/**
 * A vowel-like signal: harmonics of f0 up to the Nyquist with a -6 dB/octave tilt and
 * two formant bumps (around 700 and 1200 Hz), plus a slow pitch wobble. Optionally shaped
 * by a syllable envelope (raised cosine). This is the spectral shape a speech VAD's
 * sub-band model is built to recognise.
 */
export function voiced(ms: number, sampleRate: number, options: VoicedOptions = {}): Int16Array {
  const f0 = options.f0 ?? 140;
  const amp = options.amplitude ?? 0.3;
  const syl = options.syllableHz ?? 0;
  const n = Math.round((ms * sampleRate) / 1000);
  const out = new Float64Array(n);
  const nyq = sampleRate / 2;
  let phase = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const f = f0 * (1 + 0.03 * Math.sin(2 * Math.PI * 3 * t));
    phase += (2 * Math.PI * f) / sampleRate;
    let v = 0;
    for (let k = 1; k * f < nyq - 200; k++) {
      const fk = k * f;
      const formant = 1 + 2 * Math.exp(-(((fk - 700) / 250) ** 2)) + 1.5 * Math.exp(-(((fk - 1200) / 300) ** 2));
      v += (formant / k) * Math.sin(k * phase);
    }
    if (syl > 0) v *= 0.5 - 0.5 * Math.cos(2 * Math.PI * syl * t);
    out[i] = v;
    peak = Math.max(peak, Math.abs(v));
  }
  const pcm = new Int16Array(n);
  const g = peak === 0 ? 0 : (amp * 32767) / peak;
  for (let i = 0; i < n; i++) pcm[i] = Math.round((out[i] as number) * g);
  return pcm;
}

/** White noise with the given RMS level in dBFS, from a seeded PRNG. */
export function noise(ms: number, sampleRate: number, levelDbfs: number, seed = 1): Int16Array {
  const rand = prng(seed);
  const n = Math.round((ms * sampleRate) / 1000);
  // Uniform in [-1, 1) has RMS 1/sqrt(3).
  const scale = 32768 * 10 ** (levelDbfs / 20) * Math.sqrt(3);
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round((rand() * 2 - 1) * scale)));
  return pcm;
}
