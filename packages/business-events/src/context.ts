// operationFailed's `context`: flattened into log attributes `crm.context.<key>`. Keys and values
// go through @crm/redact: a secret-named key (the engine's word list: password, pwd, token, jwt,
// auth, session, apiKey, ...) gives `[REDACTED]`, an e-mail address in a key or a value becomes
// its hash marker, nested values are walked by the engine (bounded) and written as JSON.
// Reading may run the application's getters and Proxy traps: whatever throws is left out and
// reported to the caller, never thrown.

import { types } from 'node:util';
import { REDACTED } from '@crm/redact';
import { MAX_TEXT, cut } from './pii.js';
import type { Pii } from './pii.js';

export type ContextValue = string | number | boolean;

const MAX_FIELDS = 32;
const MAX_KEY = 64;
const EMAIL_KEY = /e-?mail/i;

/**
 * Writes the context fields into `out`. Returns false when part of the context could not be read
 * (its keys, or a value: a getter or Proxy trap threw); what could be read is written anyway.
 */
export function sanitizeContext(pii: Pii, context: object, out: Record<string, ContextValue>): boolean {
  let keys: string[];
  try {
    keys = Object.keys(context);
  } catch {
    return false;
  }
  let readable = true;
  const n = Math.min(keys.length, MAX_FIELDS);
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    const name = `crm.context.${attributeKey(pii.redactor.text(key))}`;
    if (pii.redactor.isSecretKey(key)) {
      out[name] = REDACTED; // not even read
      continue;
    }
    try {
      const value = sanitizeValue(pii, key, (context as Record<string, unknown>)[key]);
      if (value !== undefined) out[name] = value;
    } catch {
      readable = false;
    }
  }
  return readable;
}

/** The scrubbed key as an attribute-name part: [A-Za-z0-9_.-], at most 64 characters. */
function attributeKey(scrubbed: string): string {
  return scrubbed.slice(0, MAX_KEY).replace(/[^A-Za-z0-9_.-]/g, '_');
}

function sanitizeValue(pii: Pii, key: string, value: unknown): ContextValue | undefined {
  switch (typeof value) {
    case 'number':
    case 'boolean':
      return value;
    case 'string':
      return EMAIL_KEY.test(key) ? pii.hashEmail(value) : pii.text(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default: {
      // The engine's copy has keys and strings scrubbed and secret-named keys redacted; it is
      // written by toJson, not JSON.stringify, so no toJSON method of the application runs.
      const parts: string[] = [];
      toJson(pii.redactor.value('', value), parts, { left: MAX_TEXT + 64 });
      return cut(parts.join(''), MAX_TEXT);
    }
  }
}

/** Appends the JSON of the engine's copy (plain data, dates, binary) until the budget (a little over MAX_TEXT) is spent. */
function toJson(v: unknown, out: string[], budget: { left: number }): void {
  if (budget.left <= 0) return;
  let piece: string;
  switch (typeof v) {
    case 'string':
      piece = JSON.stringify(v);
      break;
    case 'number':
      piece = Number.isFinite(v) ? String(v) : 'null';
      break;
    case 'boolean':
      piece = String(v);
      break;
    case 'bigint':
      piece = JSON.stringify(v.toString());
      break;
    case 'object':
      if (v === null) piece = 'null';
      else if (types.isDate(v)) piece = Number.isNaN(Date.prototype.getTime.call(v)) ? 'null' : JSON.stringify(Date.prototype.toISOString.call(v));
      else if (ArrayBuffer.isView(v)) piece = JSON.stringify(`[${v.byteLength} bytes]`);
      else return container(v, out, budget);
      break;
    default:
      piece = 'null'; // undefined, function, symbol: left out of objects by container()
  }
  out.push(piece);
  budget.left -= piece.length;
}

function container(v: object, out: string[], budget: { left: number }): void {
  const array = Array.isArray(v);
  out.push(array ? '[' : '{');
  budget.left--;
  let first = true;
  for (const key of Object.keys(v)) {
    if (budget.left <= 0) break;
    const item = (v as Record<string, unknown>)[key];
    if (!array && (item === undefined || typeof item === 'function' || typeof item === 'symbol')) continue;
    if (!first) out.push(',');
    first = false;
    if (!array) {
      const k = JSON.stringify(key);
      out.push(k, ':');
      budget.left -= k.length + 1;
    }
    toJson(item, out, budget);
  }
  out.push(array ? ']' : '}');
  budget.left--;
}
