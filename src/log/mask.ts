/**
 * Phone numbers in logs are personal data: by default every value logged under a number's
 * key shows only its last four digits (`+*******0100`), enough to tell calls apart and to
 * match a complaint, not enough to call anyone back. `--log-full-numbers` turns this off.
 */

/** Keys whose values are phone numbers (logged fields, Plivo's parameter names, nested one level). */
export const NUMBER_KEYS = ['from', 'to', 'From', 'To', 'caller', 'callee', 'destination', 'number', 'ForwardedFrom', 'SIP-H-To'] as const;

/** pino redact paths for {@link NUMBER_KEYS}: top level and one level down (`fields.From`). */
export const NUMBER_PATHS: readonly string[] = NUMBER_KEYS.flatMap((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? [k, `*.${k}`] : [`["${k}"]`, `*["${k}"]`]));

/**
 * Mask every digit but the last four of a string holding five digits or more; anything else
 * (a name like `browser-phone`, a short code, a non-string) is returned unchanged.
 */
export function maskNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const digits = value.replace(/\D/g, '').length;
  if (digits <= 4) return value;
  let hide = digits - 4;
  return value.replace(/\d/g, (d) => (hide-- > 0 ? '*' : d));
}
