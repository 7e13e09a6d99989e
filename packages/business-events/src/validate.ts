// Field validators. Each returns the valid value, or undefined after reporting the problem to
// the Rejector (which counts it, warns once, or throws in strict mode). Reading the input runs
// the application's getters and Proxy traps: a field whose read throws is rejected as
// `unreadable` (see readEach), and values are only inspected in ways that cannot throw.

import { types } from 'node:util';
import type { OpportunityOutcome, RecordId, RejectionReason } from './types.js';

export interface Rejector {
  /** `sensitive` hides the value in messages (emails, company names). */
  reject(field: string, value: unknown, reason: RejectionReason, accepted: string, sensitive?: boolean): void;
}

type Input = Record<string, unknown>;

/** What readEach gives for a field whose getter or Proxy trap threw (after rejecting it); the checks skip it. */
export const UNREADABLE: unique symbol = Symbol('unreadable');
const READ_ACCEPTED = 'a value whose getters and Proxy traps do not throw';

const ID_ACCEPTED = 'a non-empty string or a non-negative safe integer';
/** A class name such as Object or Map; other Symbol.toStringTag values are not shown. */
const TAG = /^[A-Za-z][A-Za-z0-9]{0,39}$/;

/** An object that is not an array. A revoked Proxy counts as an object: each of its fields is then unreadable. */
export function isObject(value: unknown): value is Input {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return !Array.isArray(value);
  } catch {
    return true;
  }
}

/**
 * The slow path of reading an input, taken when reading all its fields at once threw: each
 * field read on its own, UNREADABLE (and rejected) where that throws. Getters before the one
 * that threw run a second time. An undefined key (a field not read from the input) gives undefined.
 */
export function readEach(r: Rejector, input: Input, keys: readonly (string | undefined)[]): unknown[] {
  return keys.map((key) => {
    if (key === undefined) return undefined;
    try {
      return input[key];
    } catch {
      r.reject(key, undefined, 'unreadable', READ_ACCEPTED);
      return UNREADABLE;
    }
  });
}

export function checkId(r: Rejector, value: unknown, field: string): RecordId | undefined {
  if (value === UNREADABLE) return undefined;
  if (typeof value === 'string') {
    if (value.length > 0) return value;
    r.reject(field, value, 'missing_field', ID_ACCEPTED);
    return undefined;
  }
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    r.reject(field, value, numberReason(value, true, 0, Number.MAX_SAFE_INTEGER), ID_ACCEPTED);
    return undefined;
  }
  r.reject(field, value, value === undefined || value === null ? 'missing_field' : 'wrong_type', ID_ACCEPTED);
  return undefined;
}

/** A label input (source, stage, operation, currency). Empty strings count as missing. */
export function checkName(r: Rejector, value: unknown, field: string, required: boolean, accepted: string): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (value === UNREADABLE) return undefined;
  if (value === undefined || value === null || value === '') {
    if (required) r.reject(field, value, 'missing_field', accepted);
    return undefined;
  }
  r.reject(field, value, 'wrong_type', accepted);
  return undefined;
}

function numberReason(value: number, integer: boolean, min: number, max: number): RejectionReason {
  if (!Number.isFinite(value)) return 'not_finite';
  if (value < 0 && min >= 0) return 'negative';
  if (value < min || value > max) return 'out_of_range';
  if (integer && !Number.isInteger(value)) return 'not_integer';
  // Only reached for numbers that pass every check; callers do not call it then.
  return 'out_of_range';
}

export interface NumberRule {
  required: boolean;
  integer?: boolean;
  min?: number;
  max?: number;
  accepted: string;
}

export function checkNumber(r: Rejector, value: unknown, field: string, rule: NumberRule): number | undefined {
  if (value === UNREADABLE) return undefined;
  const min = rule.min ?? 0;
  const max = rule.max ?? Number.MAX_VALUE;
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= min && value <= max && (!rule.integer || Number.isInteger(value))) return value;
    r.reject(field, value, numberReason(value, rule.integer === true, min, max), rule.accepted);
    return undefined;
  }
  if (value === undefined || value === null) {
    if (rule.required) r.reject(field, value, 'missing_field', rule.accepted);
    return undefined;
  }
  r.reject(field, value, 'wrong_type', rule.accepted);
  return undefined;
}

/** Optional free text (email, company): absent or '' is fine, anything but a string is not. */
export function checkOptionalText(r: Rejector, value: unknown, field: string): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (value === undefined || value === null || value === UNREADABLE) return undefined;
  r.reject(field, value, 'wrong_type', 'a string', true);
  return undefined;
}

/** Optional date: a valid Date or a string Date.parse understands; returned as epoch milliseconds. */
export function checkOptionalDate(r: Rejector, value: unknown, field: string): number | undefined {
  const accepted = 'a valid Date or a date string such as 2026-12-31';
  if (value === undefined || value === null || value === UNREADABLE) return undefined;
  // types.isDate and Date.prototype.getTime never run a getter or Proxy trap (instanceof would).
  const date = types.isDate(value);
  if (date || typeof value === 'string') {
    const t = date ? Date.prototype.getTime.call(value) : Date.parse(value as string);
    if (Number.isFinite(t)) return t;
    r.reject(field, value, 'invalid_date', accepted);
    return undefined;
  }
  r.reject(field, value, 'wrong_type', accepted);
  return undefined;
}

export function checkOutcome(r: Rejector, value: unknown, field: string): OpportunityOutcome | undefined {
  const accepted = '"won" or "lost"';
  if (value === 'won' || value === 'lost') return value;
  if (value === UNREADABLE) return undefined;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'won' || lower === 'lost') return lower;
    r.reject(field, value, lower === '' ? 'missing_field' : 'unknown_outcome', accepted);
    return undefined;
  }
  r.reject(field, value, value === undefined || value === null ? 'missing_field' : 'wrong_type', accepted);
  return undefined;
}

/**
 * Short rendering of a bad value for messages. Strings pass through `quote` (the engine's
 * scrubbing, a cut, quotes); `sensitive` values (emails, company names) are described by type
 * and length only. Never runs a getter or Proxy trap that can throw into the caller.
 */
export function describeValue(value: unknown, quote: (s: string) => string, sensitive = false): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined (missing)';
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return sensitive ? 'a bigint' : `${value}n (bigint)`;
    case 'boolean':
      return `${value} (boolean)`;
    case 'string':
      return sensitive ? `a string of ${value.length} characters` : `${quote(value)} (string)`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (types.isDate(value)) return Number.isNaN(Date.prototype.getTime.call(value)) ? 'an invalid Date' : 'a Date';
      try {
        if (Array.isArray(value)) return `an array of ${(value as unknown[]).length}`;
        if (sensitive) return 'an object';
        const tag = Object.prototype.toString.call(value).slice(8, -1);
        return TAG.test(tag) ? `an object (${tag})` : 'an object';
      } catch {
        return 'an object that cannot be read';
      }
  }
}
