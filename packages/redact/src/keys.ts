// Is this key (attribute name, query key, JSON field, header) the name of a secret?
// Keys are split into words (camelCase, snake_case, kebab-case, dots, brackets) and the words
// matched against lists.ts; percent-encoding is decoded first (at most three rounds).
import { isAsciiLetter, isDigit } from './chars';
import { KEY_QUALIFIERS, QUERY_ONLY_WORDS, SECRET_STEMS, SECRET_WORDS, WHOLE_KEY_WORDS } from './lists';

const MAX_KEY = 256;
const secretWords = new Set<string>(SECRET_WORDS);
const qualifiers = new Set<string>(KEY_QUALIFIERS);
const wholeKeyWords = new Set<string>(WHOLE_KEY_WORDS);
const queryOnly = new Set<string>(QUERY_ONLY_WORDS);

/** Decodes %XX escapes, at most three rounds (`%2574oken` is `token`); a malformed escape stops it. */
export function decodeKey(key: string): string {
  let out = key.length > MAX_KEY ? key.slice(key.length - MAX_KEY) : key;
  for (let round = 0; round < 3 && out.includes('%'); round++) {
    try {
      const next = decodeURIComponent(out);
      if (next === out) break;
      out = next;
    } catch {
      break;
    }
  }
  return out;
}

/** `xAuthToken` -> [x, auth, token]; `API_KEY` -> [api, key]; `user[password]` -> [user, password]. */
export function splitWords(key: string): string[] {
  const words: string[] = [];
  let start = -1;
  const flush = (end: number): void => {
    if (start >= 0 && end > start) words.push(key.slice(start, end).toLowerCase());
    start = -1;
  };
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const letter = isAsciiLetter(c) || c >= 128;
    if (!letter && !isDigit(c)) {
      flush(i);
      continue;
    }
    if (start < 0) {
      start = i;
      continue;
    }
    const prev = key.charCodeAt(i - 1);
    const upper = c >= 65 && c <= 90;
    const prevLower = prev >= 97 && prev <= 122;
    const prevUpper = prev >= 65 && prev <= 90;
    const next = key.charCodeAt(i + 1);
    const nextLower = next >= 97 && next <= 122;
    // aB -> a|B ; ABc -> A|Bc ; a1 -> a|1 ; 1a -> 1|a
    if ((upper && prevLower) || (upper && prevUpper && nextLower) || isDigit(c) !== isDigit(prev)) {
      flush(i);
      start = i;
    }
  }
  flush(key.length);
  return words;
}

function lastSegment(key: string): string {
  let end = key.length;
  while (end > 0 && (key[end - 1] === ']' || key[end - 1] === '.')) end--;
  const cut = Math.max(key.lastIndexOf('.', end - 1), key.lastIndexOf('[', end - 1));
  return key.slice(cut + 1, end);
}

function wordsAreSecret(words: string[]): boolean {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (secretWords.has(w)) return true;
    if (w === 'key' && i > 0 && qualifiers.has(words[i - 1]!)) return true;
    if (w.length <= 40) for (const stem of SECRET_STEMS) if (w.length > stem.length && w.endsWith(stem)) return true;
  }
  return false;
}

/**
 * True when the key names a secret. `query` also accepts the words that are secret only as a
 * query or form key (`?key=`, `?code=`), which are ordinary names elsewhere.
 */
export function isSecretKeyName(key: string, query = false): boolean {
  const decoded = decodeKey(key);
  if (wordsAreSecret(splitWords(decoded))) return true;
  const last = splitWords(lastSegment(decoded));
  if (last.length !== 1) return false;
  const word = last[0]!;
  return wholeKeyWords.has(word) && (query || !queryOnly.has(word));
}
