// `key=value`, `key: value`, `"key":"value"`, `key = 'literal'`, `PASSWORD 'literal'`: the value
// of a secret-named key is replaced. One pass; every backward look is bounded, so the work is
// linear in the text.
import { isQuote, isSpace, Splicer } from './chars';
import { REDACTED } from './lists';

const MAX_KEY = 128;
const MAX_GAP = 8;

export type KeyTest = (key: string, query: boolean) => boolean;

function isKeyChar(c: number): boolean {
  // letters, digits, _ - . % [ ] and any non-ASCII unit
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) ||
    c === 95 || c === 45 || c === 46 || c === 37 || c === 91 || c === 93 || c >= 128
  );
}

/** Ends an unquoted value: white space, separators of query strings, lists and markup. */
function endsValue(c: number): boolean {
  return (
    c === 32 || c === 9 || c === 10 || c === 13 || c === 38 || c === 59 || c === 44 || c === 35 ||
    c === 34 || c === 39 || c === 96 || c === 41 || c === 93 || c === 125 || c === 60 || c === 62
  );
}

interface KeyAt {
  key: string;
  start: number;
  quoted: boolean;
}

/** The key that ends just before `end` (after optional spaces and a closing quote), not before `floor`. */
function keyBefore(s: string, end: number, floor: number): KeyAt | undefined {
  let j = end;
  for (let gap = 0; gap < MAX_GAP && j > floor && isSpace(s.charCodeAt(j - 1)); gap++) j--;
  let quoted = false;
  if (j > floor && isQuote(s.charCodeAt(j - 1))) {
    quoted = true;
    j--;
  }
  let k = j;
  while (k > floor && j - k < MAX_KEY && isKeyChar(s.charCodeAt(k - 1))) k--;
  return k === j ? undefined : { key: s.slice(k, j), start: k, quoted };
}

/** End (exclusive) of a quoted literal starting at `open`; doubled quotes ('') and \-escapes stay inside. */
function closeQuote(s: string, open: number): number {
  const q = s.charAt(open);
  let at = open + 1;
  for (;;) {
    const next = s.indexOf(q, at);
    if (next < 0) return s.length;
    if (s.charCodeAt(next - 1) === 92 && next - 1 > open) {
      at = next + 1;
      continue;
    }
    if (s.charAt(next + 1) === q) {
      at = next + 2;
      continue;
    }
    return next + 1;
  }
}

/**
 * Replaces the value after a secret key. `nested` is called with a percent-decoded query value
 * that may hold a URL of its own and answers whether that text carries a secret.
 */
export function scanPairs(s: string, isSecret: KeyTest, nested: (decoded: string) => boolean): string {
  const out = new Splicer(s);
  let nestedUntil = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // '=' also percent-encoded (`cb%3Ftoken%3D…` in an encoded URL)
    const encodedEq = c === 37 && s.charCodeAt(i + 1) === 51 && (s.charCodeAt(i + 2) | 32) === 100;
    if (c !== 61 && c !== 58 && c !== 39 && c !== 34 && !encodedEq) continue;
    if (i < out.done) continue;
    if (c === 39 || c === 34) {
      // `PASSWORD 'x'`, `password 'x'`, `IDENTIFIED BY 'x'`: a literal right after a secret word.
      if (!isSpace(s.charCodeAt(i - 1))) continue;
      const at = keyBefore(s, i, out.done);
      if (!at || at.quoted || !(isSecret(at.key, false) || identifiedBy(s, at, out.done))) continue;
      i = redactQuoted(out, s, i) - 1;
      continue;
    }
    const colon = c === 58;
    const at = keyBefore(s, i, out.done);
    if (!at) continue;
    let v = i + (encodedEq ? 3 : 1);
    for (let gap = 0; gap < MAX_GAP && v < s.length && isSpace(s.charCodeAt(v)); gap++) v++;
    // `key: value` needs a quoted key or a space after the colon: `session:abc` (a Redis key),
    // `https://` and `12:30` are not pairs.
    if (colon && !at.quoted && v === i + 1 && !isQuote(s.charCodeAt(v))) continue;
    const secret = isSecret(at.key, !colon);
    if (isQuote(s.charCodeAt(v))) {
      if (secret) i = redactQuoted(out, s, v) - 1;
      continue;
    }
    if (secret) {
      if (s.startsWith(REDACTED, v)) {
        i = v + REDACTED.length - 1; // an earlier pass (`token=` as a scheme) already replaced it
        continue;
      }
      const e = valueEnd(s, v);
      if (e > v) out.replace(v, e, REDACTED);
      i = e - 1;
      continue;
    }
    // A URL or text inside a query value (`?next=https%3A%2F%2F…%3Ftoken%3D…`, `?m=password+%3D+%27…%27`)
    // is decoded and replaced whole if it carries a secret. Each stretch is looked at once (nestedUntil).
    if (colon || v < nestedUntil) continue;
    const e = queryValueEnd(s, v);
    nestedUntil = e;
    if (isEncoded(s, v, e) && nested(decodeValue(s.slice(v, e)))) {
      out.replace(v, e, REDACTED);
      i = e - 1;
    }
  }
  return out.result();
}

/** A query value runs to the next & # ; or white space: quotes and brackets may stand inside it. */
function queryValueEnd(s: string, v: number): number {
  let e = v;
  for (let c = s.charCodeAt(e); e < s.length && c !== 38 && c !== 35 && c !== 59 && c !== 32 && c !== 9 && c !== 10 && c !== 13; c = s.charCodeAt(++e));
  return e;
}

function isEncoded(s: string, v: number, e: number): boolean {
  for (let i = v; i < e; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 || c === 43) return true;
  }
  return false;
}

/** Form-decoded (+ is a space), percent-decoded two rounds at most; a malformed escape is decoded piece by piece. */
function decodeValue(v: string): string {
  let out = v.replace(/\+/g, ' ');
  for (let round = 0; round < 2 && out.includes('%'); round++) {
    let next: string;
    try {
      next = decodeURIComponent(out);
    } catch {
      next = out.replace(/%[0-9A-Fa-f]{2}/g, (h) => String.fromCharCode(parseInt(h.slice(1), 16)));
    }
    if (next === out) break;
    out = next;
  }
  return out;
}

function valueEnd(s: string, v: number): number {
  let e = v;
  while (e < s.length && !endsValue(s.charCodeAt(e))) e++;
  return e;
}

/** Replaces the inside of the literal that opens at `open`; returns the index after it. */
function redactQuoted(out: Splicer, s: string, open: number): number {
  const end = closeQuote(s, open);
  const closed = end > open + 1 && s.charAt(end - 1) === s.charAt(open);
  out.replace(open + 1, closed ? end - 1 : end, REDACTED);
  return end;
}

/** MySQL's `IDENTIFIED BY 'secret'`. */
function identifiedBy(s: string, by: KeyAt, floor: number): boolean {
  if (by.key.toLowerCase() !== 'by') return false;
  return keyBefore(s, by.start, floor)?.key.toLowerCase() === 'identified';
}
