// Field validators. Each returns the valid value, or undefined after reporting the problem to
// the Rejector (which counts it, warns once, or throws in strict mode).

import type { OpportunityOutcome, RecordId, RejectionReason } from './types.js';

export interface Rejector {
  /** `sensitive` hides the value in messages (emails, company names). */
  reject(field: string, value: unknown, reason: RejectionReason, accepted: string, sensitive?: boolean): void;
}

const ID_ACCEPTED = 'a non-empty string or a non-negative safe integer';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkId(r: Rejector, value: unknown, field: string): RecordId | undefined {
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
  if (value === undefined || value === null) return undefined;
  r.reject(field, value, 'wrong_type', 'a string', true);
  return undefined;
}

/** Optional date: a valid Date or a string Date.parse understands; returned as epoch milliseconds. */
export function checkOptionalDate(r: Rejector, value: unknown, field: string): number | undefined {
  const accepted = 'a valid Date or a date string such as 2026-12-31';
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date || typeof value === 'string') {
    const t = value instanceof Date ? value.getTime() : Date.parse(value);
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
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'won' || lower === 'lost') return lower;
    r.reject(field, value, lower === '' ? 'missing_field' : 'unknown_outcome', accepted);
    return undefined;
  }
  r.reject(field, value, value === undefined || value === null ? 'missing_field' : 'wrong_type', accepted);
  return undefined;
}

/** Short, safe rendering of a bad value for messages. */
export function describeValue(value: unknown, sensitive = false): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined (missing)';
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n (bigint)`;
    case 'boolean':
      return `${value} (boolean)`;
    case 'string':
      if (sensitive) return `a string of ${value.length} characters`;
      return value.length > 60 ? `${JSON.stringify(value.slice(0, 60))}... (string)` : `${JSON.stringify(value)} (string)`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (value instanceof Date) return 'an invalid Date';
      if (Array.isArray(value)) return `an array of ${value.length}`;
      return sensitive ? 'an object' : `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  }
}
