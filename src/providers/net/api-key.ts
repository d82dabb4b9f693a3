/**
 * API keys: read from options or the vendor's documented env var, validated once, and kept out
 * of every message and log line.
 */
import { ConfigError } from '../../errors.js';
import type { VendorInfo } from './vendor.js';

/** Longest key accepted; real keys are well under 200 characters. */
const MAX_KEY_LENGTH = 4096;

/**
 * The key from `explicit`, else from `env[vendor.envVar]`. Throws CONFIG_MISSING when `required`
 * and neither is set, CONFIG_INVALID when the key holds whitespace or control characters (a key
 * pasted with a trailing newline would otherwise fail deep inside the HTTP client).
 */
export function resolveApiKey(
  vendor: VendorInfo,
  explicit: string | undefined,
  options: { readonly required?: boolean; readonly env?: Readonly<Record<string, string | undefined>> } = {},
): string {
  const env = options.env ?? process.env;
  const raw = explicit ?? env[vendor.envVar];
  const key = raw?.trim() ?? '';
  if (key === '') {
    if (options.required === false) return '';
    throw new ConfigError(
      'CONFIG_MISSING',
      `${vendor.label} needs an API key: set ${vendor.envVar} in the environment or pass { apiKey } to the provider.`,
      { details: { provider: vendor.id, envVar: vendor.envVar } },
    );
  }
  if (key.length > MAX_KEY_LENGTH || /[\s\u0000-\u001f\u007f]/.test(key)) {
    throw new ConfigError('CONFIG_INVALID', `${vendor.envVar} holds whitespace or control characters (or is too long): paste the key alone.`, {
      details: { provider: vendor.id, envVar: vendor.envVar },
    });
  }
  return key;
}

/** A hint that identifies a key without revealing it: its last 4 characters. */
export function keyHint(key: string): string {
  return key.length >= 12 ? `…${key.slice(-4)}` : '(short key)';
}

/** `text` with every occurrence of `secret` replaced, so vendor messages that echo a key are safe to show. */
export function redactSecret(text: string, secret: string): string {
  if (secret.length < 4) return text;
  return text.split(secret).join('***');
}
