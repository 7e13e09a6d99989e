// Removes secrets and personal data from spans and log records before they are queued.
// Applied to every attribute (nested ones included), span names, event attributes and log bodies.
import type { Config } from './config';

export const REDACTED = '[REDACTED]';
export const REDACTED_EMAIL = '[REDACTED_EMAIL]';

// Attribute keys whose value is a secret whatever the string looks like.
const SECRET_KEYS = ['password', 'passwd', 'secret', 'client_secret', 'token', 'access_token', 'refresh_token', 'id_token', 'api_key', 'apikey'];
const HEADER_ATTRIBUTE = /^http\.(?:request|response)\.header\.(.+)$/;
const QUERY_PAIR = /(^|[?&;\s])([^=&;?#\s]+)=([^&;#\s"']*)/g;
const AUTH_SCHEME = /\b(Bearer|Basic|Digest|Token)\s+[^\s"',;]+/gi;
// Also matches the URL-encoded form (jane%40example.com).
const EMAIL = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/gi;
const MAX_DEPTH = 8;

type Value = unknown;

export interface Redactor {
  /** Returns the string with query secrets, auth tokens and (if enabled) emails replaced. */
  text(value: string): string;
  /** Redacts an attribute map in place and returns it. */
  attributes<T extends Record<string, Value>>(attributes: T): T;
  value(key: string, value: Value): Value;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

export function createRedactor(cfg: Config['redaction']): Redactor {
  const headerNames = new Set(cfg.headers.map(normalise));
  const secretKeys = new Set([...SECRET_KEYS, ...cfg.headers].map(normalise));
  const queryKeys = new Set(cfg.queryKeys.map((k) => k.toLowerCase()));

  const text = (s: string): string => {
    let out = s;
    if (out.includes('=')) {
      out = out.replace(QUERY_PAIR, (whole, sep: string, key: string) =>
        queryKeys.has(safeDecode(key).toLowerCase()) ? `${sep}${key}=${REDACTED}` : whole,
      );
    }
    // "<scheme> <credentials>" needs a space: URLs, routes and ids never have one.
    if (out.includes(' ')) out = out.replace(AUTH_SCHEME, `$1 ${REDACTED}`);
    if (cfg.emails && (out.includes('@') || out.includes('%40'))) out = out.replace(EMAIL, REDACTED_EMAIL);
    return out;
  };

  // Attribute keys are a small, repeating set: decide once per key.
  const secretKeyCache = new Map<string, boolean>();
  const isSecretKey = (key: string): boolean => {
    let secret = secretKeyCache.get(key);
    if (secret === undefined) {
      const header = HEADER_ATTRIBUTE.exec(key);
      const dot = key.lastIndexOf('.');
      secret =
        header?.[1] !== undefined ? headerNames.has(normalise(header[1])) : secretKeys.has(normalise(dot >= 0 ? key.slice(dot + 1) : key));
      if (secretKeyCache.size < 10_000) secretKeyCache.set(key, secret);
    }
    return secret;
  };

  const walk = (key: string, v: Value, depth: number): Value => {
    if (isSecretKey(key)) return REDACTED;
    if (typeof v === 'string') return text(v);
    if (depth >= MAX_DEPTH || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk('', v[i], depth + 1);
      return v;
    }
    if (v instanceof Uint8Array || v instanceof Date) return v;
    const obj = v as Record<string, Value>;
    for (const k of Object.keys(obj)) obj[k] = walk(k, obj[k], depth + 1);
    return obj;
  };

  return {
    text,
    value: (key, v) => walk(key, v, 0),
    attributes(attributes) {
      const obj = attributes as Record<string, Value>;
      for (const k of Object.keys(obj)) {
        const before = obj[k];
        const after = walk(k, before, 0);
        if (after !== before) obj[k] = after;
      }
      return attributes;
    },
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
