// E-mail addresses in text, found from their at-sign: `@`, full-width `＠`, small `﹫`, and the
// percent-encoded `%40` and `%2540`. The local part is read backwards and the domain forwards
// from each at-sign, never past the previous one, so every character is read a bounded number
// of times. Domains: two or more labels with an alphabetic top label, an IPv4 address, or localhost.
import { isDigit, isWordUnit, Splicer } from './chars';

const MAX_DOMAIN = 255;
// `logo@2x.png` is a file name, not an address: none of these is a top-level domain.
const FILE_ENDINGS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'css', 'js', 'mjs', 'json', 'html', 'htm', 'pdf', 'txt', 'map']);

function atSignLength(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 64 || c === 0xff20 || c === 0xfe6b) return 1;
  if (c !== 37) return 0;
  if (s.startsWith('40', i + 1)) return 3;
  if (s.startsWith('2540', i + 1)) return 5;
  return 0;
}

function isLocalUnit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || isWordUnit(s, i);
}

function isDot(c: number): boolean {
  return c === 46 || c === 0xff0e || c === 0x3002;
}

function isLabelUnit(s: string, i: number): boolean {
  return s.charCodeAt(i) === 45 || isWordUnit(s, i);
}

/** End of a valid domain starting at `start`, or -1. */
function domainEnd(s: string, start: number): number {
  const limit = Math.min(s.length, start + MAX_DOMAIN);
  const labels: Array<[number, number]> = [];
  let i = start;
  for (;;) {
    const from = i;
    while (i < limit && isLabelUnit(s, i)) i++;
    if (i === from) break;
    labels.push([from, i]);
    if (i < limit - 1 && isDot(s.charCodeAt(i)) && isLabelUnit(s, i + 1)) i++;
    else break;
  }
  if (labels.length === 0) return -1;
  const end = labels[labels.length - 1]![1];
  const text = (k: number): string => s.slice(labels[k]![0], labels[k]![1]);
  if (labels.length === 1) return text(0).toLowerCase() === 'localhost' ? end : -1;
  if (labels.length === 4 && labels.every((_, k) => /^\d{1,3}$/.test(text(k)) && Number(text(k)) <= 255)) return end;
  const top = text(labels.length - 1);
  if (top.length < 2 || FILE_ENDINGS.has(top.toLowerCase())) return -1;
  for (let k = 0; k < top.length; k++) if (isDigit(top.charCodeAt(k)) || (top.charCodeAt(k) === 45 && !top.startsWith('xn--'))) return -1;
  return end;
}

export function scanEmails(s: string, replacement: (email: string) => string): string {
  const out = new Splicer(s);
  let floor = 0; // nothing before this index belongs to a later address
  for (let i = 0; i < s.length; i++) {
    const atLength = atSignLength(s, i);
    if (atLength === 0) continue;
    let start = i;
    while (start > floor && isLocalUnit(s, start - 1)) start--;
    while (start < i && s.charCodeAt(start) === 46) start++;
    const domainStart = i + atLength;
    floor = domainStart;
    if (start === i || start < out.done) continue;
    const end = domainEnd(s, domainStart);
    if (end < 0) continue;
    out.replace(start, end, replacement(s.slice(start, end)));
    floor = end;
    i = end - 1;
  }
  return out.result();
}

/** The address as one would write it: `%40`, `%2540` and the wide at-signs become `@`, lowercase. */
export function canonicalEmail(found: string): string {
  return found.replace(/%2540|%40|\uff20|\ufe6b/gi, '@').replace(/[\uff0e\u3002]/g, '.').toLowerCase();
}

