// Credentials after an authentication scheme: `Bearer <token>`, `Basic <base64>`, `bearer=<token>`,
// `Bearer:<token>`, `Bearer<TAB><token>`. After white space the credential must look like one
// (8+ characters with a digit or a symbol, or 20+), so prose ("the bearer of", "token f") is kept.
import { isAsciiAlnum, isDigit, isSpace, startsWithWord, Splicer } from './chars';
import { AUTH_SCHEMES, REDACTED } from './lists';

const MAX_GAP = 16;
const FIRST_LETTERS = new Set(AUTH_SCHEMES.map((s) => s.charCodeAt(0)));

/** token68 (RFC 7235) characters: letters, digits and - . _ ~ + / = */
function isCredentialChar(c: number): boolean {
  return isAsciiAlnum(c) || c === 45 || c === 46 || c === 95 || c === 126 || c === 43 || c === 47 || c === 61;
}

function looksLikeCredential(s: string, start: number, end: number): boolean {
  const n = end - start;
  if (n >= 20) return true;
  if (n < 8) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c) || !isAsciiAlnum(c)) return true;
  }
  return false;
}

export function scanAuth(s: string): string {
  const out = new Splicer(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 32;
    if (!FIRST_LETTERS.has(c) || i < out.done) continue;
    if (i > 0 && isAsciiAlnum(s.charCodeAt(i - 1))) continue;
    const scheme = AUTH_SCHEMES.find((w) => startsWithWord(s, i, w));
    if (!scheme) continue;
    let v = i + scheme.length;
    const sep = s.charCodeAt(v);
    let spaced = false;
    if (sep === 61 || (sep === 58 && scheme === 'bearer')) v++; // `bearer=`, `Bearer:` (`token:42` is a Redis key)
    else if (isSpace(sep)) spaced = true;
    else continue;
    for (let gap = 0; gap < MAX_GAP && v < s.length && isSpace(s.charCodeAt(v)); gap++) v++;
    let e = v;
    while (e < s.length && isCredentialChar(s.charCodeAt(e))) e++;
    if (e === v || (spaced && !looksLikeCredential(s, v, e))) {
      i = v - 1;
      continue;
    }
    out.replace(v, e, REDACTED);
    i = e - 1;
  }
  return out.result();
}
