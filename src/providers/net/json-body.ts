/** Tolerant JSON parsing for vendor bodies that may not be JSON at all (HTML error pages). */

/** The body as a JSON object, or `{}` when it is not a JSON object. */
export function parseJsonBody(body: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
