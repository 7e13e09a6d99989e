// The engine: text passes in a fixed order, then the walk over keys and nested values.
// Every string is cut to maxLength before it is scanned; structures are cut at maxDepth and
// after maxNodes values. Each cut is counted in `stats.truncated`.
import { decodeKey, isSecretKeyName } from './keys';
import { AUTH_SCHEMES, DEFAULT_LIMITS, DEFAULT_SECRET_PATHS, REDACTED, REDACTED_EMAIL, SECRET_HEADERS, TRUNCATED } from './lists';
import { scanAuth } from './scan-auth';
import { scanEmails } from './scan-email';
import { scanJwt } from './scan-jwt';
import { scanPairs } from './scan-pairs';
import { compilePaths, scanPaths } from './scan-paths';

export interface RedactOptions {
  /** Header names never recorded, added to SECRET_HEADERS. */
  headers?: readonly string[];
  /** Key names whose values are secret anywhere (attributes, JSON, query strings), added to the word rules. */
  keys?: readonly string[];
  /** Key names whose values are secret in query strings and forms only. */
  queryKeys?: readonly string[];
  /** Replace e-mail addresses (default true). */
  emails?: boolean;
  /** What an e-mail address becomes (default `[REDACTED_EMAIL]`); given the address as found. */
  emailReplacement?: (email: string) => string;
  /** Path prefixes whose next segment is secret, added to DEFAULT_SECRET_PATHS (`/share/*`). */
  paths?: readonly string[];
  maxLength?: number;
  maxDepth?: number;
  maxNodes?: number;
}

export interface RedactStats {
  /** Strings cut to maxLength, and structures cut at maxDepth or maxNodes. */
  truncated: number;
}

export interface Redactor {
  readonly stats: RedactStats;
  /** The text with secrets and (unless disabled) e-mail addresses replaced. */
  text(value: string): string;
  /** True when a value under this key is secret whatever it looks like. */
  isSecretKey(key: string): boolean;
  /** A redacted copy of any value: strings scanned, maps and arrays walked (keys too), others kept. */
  value(key: string, value: unknown): unknown;
  /** Redacts an attribute map in place (values, and keys that carry personal data) and returns it. */
  attributes<T extends Record<string, unknown>>(attributes: T): T;
}

const HEADER_KEY = /^(?:http\.(?:request|response)\.header|rpc\.grpc\.(?:request|response)\.metadata)\./;
const NESTED_DEPTH = 2;
const AUTH_HINT = new RegExp(AUTH_SCHEMES.join('|'), 'i');
const EMAIL_HINT = /@|%40|%2540|\uff20|\ufe6b/;

export function createRedactor(options: RedactOptions = {}): Redactor {
  const maxLength = options.maxLength ?? DEFAULT_LIMITS.maxLength;
  const maxDepth = options.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  const maxNodes = options.maxNodes ?? DEFAULT_LIMITS.maxNodes;
  const headers = new Set([...SECRET_HEADERS, ...(options.headers ?? [])].map((h) => h.toLowerCase().replace(/_/g, '-')));
  const exactKeys = new Set((options.keys ?? []).map((k) => k.toLowerCase()));
  const queryKeys = new Set([...exactKeys, ...(options.queryKeys ?? []).map((k) => k.toLowerCase())]);
  const prefixes = compilePaths([...DEFAULT_SECRET_PATHS, ...(options.paths ?? [])]);
  const emails = options.emails ?? true;
  const emailReplacement = options.emailReplacement ?? (() => REDACTED_EMAIL);
  const stats: RedactStats = { truncated: 0 };

  const keyCache = new Map<string, boolean>();
  const pairCache = new Map<string, boolean>();
  const pairKey = (key: string, query: boolean): boolean => {
    const cacheKey = query ? `?${key}` : key;
    let secret = pairCache.get(cacheKey);
    if (secret === undefined) {
      const name = decodeKey(key).toLowerCase();
      secret = isSecretKeyName(key, query) || (query ? queryKeys : exactKeys).has(name) || headers.has(name);
      if (pairCache.size < 10_000) pairCache.set(cacheKey, secret);
    }
    return secret;
  };

  const isSecretKey = (key: string): boolean => {
    let secret = keyCache.get(key);
    if (secret === undefined) {
      const header = HEADER_KEY.exec(key);
      const name = header ? key.slice(header[0].length) : key;
      const dot = name.lastIndexOf('.');
      secret = headers.has(name.toLowerCase().replace(/_/g, '-')) || exactKeys.has((dot >= 0 ? name.slice(dot + 1) : name).toLowerCase()) || isSecretKeyName(name);
      if (keyCache.size < 10_000) keyCache.set(key, secret);
    }
    return secret;
  };

  // Each scanner runs only when its trigger is in the text: most values (methods, routes, ids) have none.
  // The hints are literal alternations: linear, no backtracking.
  const pathHint = new RegExp(prefixes.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
  const scan = (s: string, depth: number): string => {
    // Schemes first: in `Authorization: Bearer <token>` the pair rule would take only the scheme word.
    let out = AUTH_HINT.test(s) ? scanAuth(s) : s;
    if (out.includes('=') || out.includes(':') || out.includes("'") || out.includes('"') || out.includes('%3')) {
      out = scanPairs(out, pairKey, (decoded) => depth < NESTED_DEPTH && scan(decoded, depth + 1) !== decoded);
    }
    if (out.includes('eyJ')) out = scanJwt(out);
    if (emails && EMAIL_HINT.test(out)) out = scanEmails(out, emailReplacement);
    if (out.includes('/') && pathHint.test(out)) out = scanPaths(out, prefixes);
    return out;
  };

  // Attribute keys are a small, repeating set: each is scanned once.
  const keyText = (key: string): string => {
    let out = keyTextCache.get(key);
    if (out === undefined) {
      out = text(key);
      if (keyTextCache.size < 10_000) keyTextCache.set(key, out);
    }
    return out;
  };
  const keyTextCache = new Map<string, string>();

  const text = (value: string): string => {
    if (value.length <= maxLength) return scan(value, 0);
    stats.truncated++;
    return `${scan(cut(value, maxLength), 0)}${TRUNCATED}`;
  };

  const walk = (key: string, v: unknown, depth: number, budget: { nodes: number }): unknown => {
    if (--budget.nodes < 0) {
      if (budget.nodes === -1) stats.truncated++;
      return TRUNCATED;
    }
    if (key !== '' && isSecretKey(key)) return REDACTED;
    if (typeof v === 'string') return text(v);
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array || v instanceof Date) return v;
    if (depth >= maxDepth) {
      stats.truncated++;
      return TRUNCATED;
    }
    if (Array.isArray(v)) {
      const copy: unknown[] = [];
      for (let i = 0; i < v.length && budget.nodes > 0; i++) copy.push(walk('', v[i], depth + 1, budget));
      return copy;
    }
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      if (budget.nodes <= 0) break;
      copy[keyText(k)] = walk(k, (v as Record<string, unknown>)[k], depth + 1, budget);
    }
    return copy;
  };

  return {
    stats,
    text,
    isSecretKey,
    value: (key, v) => walk(key, v, 0, { nodes: maxNodes }),
    attributes(attributes) {
      const obj = attributes as Record<string, unknown>;
      for (const k of Object.keys(obj)) {
        const before = obj[k];
        const after = walk(k, before, 0, { nodes: maxNodes });
        const key = keyText(k);
        if (key !== k) {
          delete obj[k];
          obj[key] = after;
        } else if (after !== before) obj[k] = after;
      }
      return attributes;
    },
  };
}

/**
 * The first `max` characters, less the word the cut fell in (half an address or token would
 * otherwise escape the scanners), and never half a surrogate pair.
 */
function cut(s: string, max: number): string {
  let end = max;
  const floor = Math.max(0, max - 512);
  while (end > floor && !/[\s,;&]/.test(s.charAt(end - 1))) end--;
  if (end === floor) end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end);
}
