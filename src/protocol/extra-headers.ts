/**
 * `extra_headers` arrive in three documented shapes (docs/plivo-protocol.md §2.1, [CONFLICT]):
 * `k=v,k2=v2` (the XML attribute docs), `k=v;k2=v2` (the start example), or a JSON object
 * string (Plivo's Rust transport). Accept all three; an empty string is an empty record.
 */
export function parseExtraHeaders(raw: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (raw === undefined || raw === null) return out;
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) if (typeof v !== 'object') out[k] = String(v);
    return out;
  }
  if (typeof raw !== 'string') return out;
  const text = raw.trim();
  if (text === '') return out;
  if (text.startsWith('{')) {
    try {
      const obj: unknown = JSON.parse(text);
      if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) {
        for (const [k, v] of Object.entries(obj)) if (typeof v !== 'object' || v === null) out[k] = String(v);
        return out;
      }
    } catch {
      // Not JSON after all: fall through to the delimited forms.
    }
  }
  for (const part of text.split(/[;,]/)) {
    const eq = part.indexOf('=');
    const key = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (key === '') continue;
    out[key] = eq === -1 ? '' : part.slice(eq + 1).trim();
  }
  return out;
}

/** Serialize a record the way the Stream XML documents it: `k=v,k2=v2`. */
export function formatExtraHeaders(headers: Readonly<Record<string, string>>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
