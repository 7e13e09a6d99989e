// Character classes, tested by char code: no regular expression runs over attacker text.

const NON_ASCII_WORD = /^[\p{L}\p{N}\p{M}]$/u;

export function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAsciiAlnum(c: number): boolean {
  return isAsciiLetter(c) || isDigit(c);
}

/** A letter or digit of any script (one UTF-16 unit; surrogates count as letters). */
export function isWordUnit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 128) return isAsciiAlnum(c);
  if (c >= 0xd800 && c <= 0xdfff) return true;
  return NON_ASCII_WORD.test(s.charAt(i));
}

export function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

export function isQuote(c: number): boolean {
  return c === 34 || c === 39 || c === 96;
}

/** ASCII case-insensitive comparison of s at i with a lowercase word. */
export function startsWithWord(s: string, i: number, lowerWord: string): boolean {
  if (i + lowerWord.length > s.length) return false;
  for (let k = 0; k < lowerWord.length; k++) {
    let c = s.charCodeAt(i + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lowerWord.charCodeAt(k)) return false;
  }
  return true;
}

/** Builds a copy of s with some ranges replaced, left to right; returns s itself when nothing was. */
export class Splicer {
  private parts: string[] | undefined;
  private last = 0;
  constructor(private readonly s: string) {}

  replace(start: number, end: number, text: string): void {
    (this.parts ??= []).push(this.s.slice(this.last, start), text);
    this.last = end;
  }

  /** Index after the last replaced range (ranges must not go back before it). */
  get done(): number {
    return this.last;
  }

  result(): string {
    if (!this.parts) return this.s;
    this.parts.push(this.s.slice(this.last));
    return this.parts.join('');
  }
}
