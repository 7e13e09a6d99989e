// JSON Web Tokens anywhere in text: `eyJ<header>.<payload>[.<signature>]` (base64url parts).
import { isAsciiAlnum, Splicer } from './chars';
import { REDACTED } from './lists';

function isB64Url(c: number): boolean {
  return isAsciiAlnum(c) || c === 45 || c === 95;
}

function runEnd(s: string, i: number): number {
  while (i < s.length && isB64Url(s.charCodeAt(i))) i++;
  return i;
}

export function scanJwt(s: string): string {
  const out = new Splicer(s);
  for (let i = s.indexOf('eyJ'); i >= 0; i = s.indexOf('eyJ', i + 1)) {
    if (i < out.done || (i > 0 && isB64Url(s.charCodeAt(i - 1)))) continue;
    const header = runEnd(s, i);
    if (s.charCodeAt(header) !== 46) {
      i = header - 1;
      continue;
    }
    const payload = runEnd(s, header + 1);
    if (payload - header < 3) {
      i = payload - 1;
      continue;
    }
    const end = s.charCodeAt(payload) === 46 ? runEnd(s, payload + 1) : payload;
    out.replace(i, end, REDACTED);
    i = end - 1;
  }
  return out.result();
}
