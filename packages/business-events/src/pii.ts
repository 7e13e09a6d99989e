// Personal data handling: keyed hashes (HMAC-SHA256) instead of clear e-mails and company names,
// and every free text (log attributes, context keys and values, values quoted in messages)
// scrubbed by @crm/redact, the engine the register uses too: e-mail addresses in any form it
// knows (`%40`, `%2540`, full-width at-signs, internationalised) become `[email:<first 16 hex
// of their hash>]`, secrets `[REDACTED]`. Scrubbing comes before any cut.

import { createHmac, randomBytes } from 'node:crypto';
import { canonicalEmail, createRedactor } from '@crm/redact';
import type { Redactor } from '@crm/redact';

export const MIN_KEY_LENGTH = 16;
/** Longest free text kept in a log attribute; cut after scrubbing. */
export const MAX_TEXT = 1024;
/**
 * Longest text scanned. Longer text is cut before scanning by the engine, at a word boundary
 * (so no half address escapes), which bounds the work per value; it is then cut to MAX_TEXT anyway.
 */
const MAX_SCAN = 8192;
/** Bounds of the walk over nested context values (their JSON is cut to MAX_TEXT anyway). */
const MAX_DEPTH = 8;
const MAX_NODES = 256;

export class Pii {
  readonly redactor: Redactor;

  constructor(private readonly key: Buffer) {
    this.redactor = createRedactor({
      emailReplacement: (found) => `[email:${this.hashEmail(canonicalEmail(found)).slice(0, 16)}]`,
      maxLength: MAX_SCAN,
      maxDepth: MAX_DEPTH,
      maxNodes: MAX_NODES,
    });
  }

  /** Hex HMAC-SHA256 of the value. */
  hash(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('hex');
  }

  /** Emails are trimmed and lowercased first, so one person hashes alike. */
  hashEmail(email: string): string {
    return this.hash(email.trim().toLowerCase());
  }

  /** The text with e-mail addresses and secrets replaced, then cut to `max` characters. */
  text(value: string, max = MAX_TEXT): string {
    return cut(this.redactor.text(value), max);
  }

  /** A value for a message: scrubbed, cut, quoted. */
  quote(value: string, max: number): string {
    return JSON.stringify(this.text(value, max));
  }
}

/** The first `max` characters and `...`, never half a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const c = text.charCodeAt(max - 1);
  return `${text.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max)}...`;
}

export interface KeyChoice {
  key: Buffer;
  /** Set when the configured key was unusable and a random one is used instead. */
  problem?: string;
}

/** Picks the HMAC key: the option, else CRM_EVENTS_HASH_KEY, else a random per-process key. */
export function chooseKey(option: string | undefined, envValue: string | undefined): KeyChoice {
  const source = option !== undefined ? 'option pii.hashKey' : 'CRM_EVENTS_HASH_KEY';
  const configured = option ?? (envValue === '' ? undefined : envValue);
  if (configured === undefined) return { key: randomBytes(32) };
  if (configured.length < MIN_KEY_LENGTH) {
    return {
      key: randomBytes(32),
      problem:
        `@crm/business-events: ${source} is ${configured.length} characters long; accepted: at least ${MIN_KEY_LENGTH} characters; ` +
        'using a random per-process key instead (hashes will not match across processes)',
    };
  }
  return { key: Buffer.from(configured, 'utf8') };
}
