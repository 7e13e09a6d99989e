// OTEL_RESOURCE_ATTRIBUTES, entry by entry. The SDK's env detector discards the whole variable
// at the first bad entry, and a bad percent-encoding used to stop the register altogether
// ("could not start (URI malformed)"): here a bad entry is named and dropped, the others kept.
// The rules are the spec's and the SDK's: key=value, ',' and '=' percent-encoded inside keys
// and values, a non-empty key, key and value at most 255 characters once decoded.
const MAX_LENGTH = 255;

export const RESOURCE_ATTRIBUTES_ACCEPTED =
  "key=value entries separated by ',', with ',', '=' and '%' percent-encoded and key and value at most 255 characters";

/** Parses the variable; `bad(entry)` is called once for every entry that is dropped. */
export function parseResourceAttributes(raw: string, bad: (entry: string) => void): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const entry of raw.split(',')) {
    if (entry.trim() === '') continue;
    const parts = entry.split('=');
    const key = parts[0]!.trim();
    const value = parts[1]?.trim();
    if (parts.length !== 2 || key === '' || value === undefined) {
      bad(entry.trim());
      continue;
    }
    let k: string;
    let v: string;
    try {
      k = decodeURIComponent(key);
      v = decodeURIComponent(value);
    } catch {
      bad(entry.trim());
      continue;
    }
    if (k.length > MAX_LENGTH || v.length > MAX_LENGTH) {
      bad(entry.trim());
      continue;
    }
    attributes[k] = v;
  }
  return attributes;
}
