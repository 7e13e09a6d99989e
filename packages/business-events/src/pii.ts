// Personal data handling for log records: keyed hashes (HMAC-SHA256) instead of clear emails
// and company names, email scrubbing in free text, secret redaction in context fields.

import { createHmac, randomBytes } from 'node:crypto';

export const MIN_KEY_LENGTH = 16;
const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const SECRET_KEY = /pass(word)?|secret|token|api[_-]?key|authorization|cookie|credential|private[_-]?key/i;
const EMAIL_KEY = /e-?mail/i;
const MAX_TEXT = 1024;
const MAX_CONTEXT_FIELDS = 32;

export class Hasher {
  constructor(private readonly key: Buffer) {}

  /** Hex HMAC-SHA256 of the value (emails are trimmed and lowercased first, so one person hashes alike). */
  hash(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('hex');
  }

  hashEmail(email: string): string {
    return this.hash(email.trim().toLowerCase());
  }

  /** Replaces every email address in free text with `[email:<first 16 hex of its hash>]`. */
  scrubText(text: string): string {
    const clipped = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}...` : text;
    return clipped.replace(EMAIL_IN_TEXT, (email) => `[email:${this.hashEmail(email).slice(0, 16)}]`);
  }
}

export interface KeyChoice {
  key: Buffer;
  /** Set when the configured key was unusable and a random one is used instead. */
  problem?: string;
  random: boolean;
}

/** Picks the HMAC key: the option, else CRM_EVENTS_HASH_KEY, else a random per-process key. */
export function chooseKey(option: string | undefined, envValue: string | undefined): KeyChoice {
  const source = option !== undefined ? 'option pii.hashKey' : 'CRM_EVENTS_HASH_KEY';
  const configured = option ?? (envValue === '' ? undefined : envValue);
  if (configured === undefined) return { key: randomBytes(32), random: true };
  if (configured.length < MIN_KEY_LENGTH) {
    return {
      key: randomBytes(32),
      random: true,
      problem:
        `@crm/business-events: ${source} is ${configured.length} characters long; accepted: at least ${MIN_KEY_LENGTH} characters; ` +
        'using a random per-process key instead (hashes will not match across processes)',
    };
  }
  return { key: Buffer.from(configured, 'utf8'), random: false };
}

export type ContextValue = string | number | boolean;

/**
 * Flattens a context object into log attributes `crm.context.<key>`: primitives only (others are
 * JSON-stringified up to 1 KiB), secret-looking keys redacted, email keys and email-looking text hashed.
 */
export function sanitizeContext(hasher: Hasher, context: Record<string, unknown>, out: Record<string, ContextValue>): void {
  let count = 0;
  for (const key of Object.keys(context)) {
    if (count++ >= MAX_CONTEXT_FIELDS) break;
    const name = `crm.context.${key.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}`;
    const value = context[key];
    if (SECRET_KEY.test(key)) {
      out[name] = '[REDACTED]';
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      out[name] = value;
    } else if (typeof value === 'string') {
      out[name] = EMAIL_KEY.test(key) ? hasher.hashEmail(value) : hasher.scrubText(value);
    } else if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
      continue;
    } else {
      let text: string;
      try {
        text =
          typeof value === 'bigint'
            ? value.toString()
            : (JSON.stringify(value, (k, v: unknown) => (k !== '' && SECRET_KEY.test(k) ? '[REDACTED]' : typeof v === 'bigint' ? v.toString() : v)) ??
              String(value));
      } catch {
        text = '[unserializable]';
      }
      out[name] = hasher.scrubText(text);
    }
  }
}
