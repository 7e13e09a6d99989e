// Secrets in URL paths: the segment after a listed prefix (`/reset-password/<token>`).
// Patterns are written `/prefix/*`; route templates (`/invite/:token`, `/invite/{id}`) are kept.
import { Splicer, startsWithWord } from './chars';
import { REDACTED } from './lists';

export function compilePaths(patterns: readonly string[]): string[] {
  return patterns
    .map((p) => p.trim().toLowerCase().replace(/\*$/, ''))
    .filter((p) => p.length > 1 && p.startsWith('/') && p.endsWith('/'));
}

function endsSegment(c: number): boolean {
  return c === 47 || c === 63 || c === 35 || c === 38 || c === 32 || c === 9 || c === 10 || c === 34 || c === 39 || c === 41;
}

export function scanPaths(s: string, prefixes: readonly string[]): string {
  const out = new Splicer(s);
  for (let i = s.indexOf('/'); i >= 0; i = s.indexOf('/', i + 1)) {
    if (i < out.done) continue;
    const prefix = prefixes.find((p) => startsWithWord(s, i, p));
    if (!prefix) continue;
    const v = i + prefix.length;
    const first = s.charCodeAt(v);
    if (first === 58 || first === 123) continue; // :param, {param}
    let e = v;
    while (e < s.length && !endsSegment(s.charCodeAt(e))) e++;
    if (e === v) continue;
    out.replace(v, e, REDACTED);
    i = e - 1;
  }
  return out.result();
}
