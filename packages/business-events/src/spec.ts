// The table form of an event: what one call reads, validates, counts, puts on the span event and
// writes on the log record. Built-in events (builtin.ts) and defineEvent() both produce an
// EventSpec; recorder.ts records any of them through one code path. buildSpec gives every object
// of a kind all its properties (absent ones undefined), so the hot path reads objects of one shape.

import type { SeverityNumber } from '@opentelemetry/api';
import type { NumberRule, Rejector } from './validate.js';

/** How a field is validated (validate.ts) and, by default, how it is written to the log record. */
export type FieldKind =
  | 'id' // a RecordId; written as a string
  | 'actor' // a RecordId of a person; written only as a keyed hash
  | 'label' // a label input (an allow-listed name; LabelSpec says which list)
  | 'name' // a non-empty string that is not a label (errorType override)
  | 'number' // a number checked by `rule`
  | 'text' // optional free text: scrubbed and bounded
  | 'email' // optional personal text: keyed hash or dropped (pii.email)
  | 'company' // optional company name: hash, drop or keep (pii.company)
  | 'date' // optional Date or date string; written as ISO 8601
  | 'outcome' // "won" or "lost"
  | 'error' // a thrown value (operationFailed)
  | 'context' // a plain object of extra log fields (operationFailed)
  | 'virtual'; // not read from the input: set by the spec's derive()

export interface FieldSpec {
  key: string;
  kind: FieldKind;
  required: boolean;
  /** What is accepted, for rejection messages (label, name and number kinds). */
  accepted?: string;
  rule?: NumberRule;
}

/** A FieldKind as a small integer: the recorder switches on it for every field of every call. */
export const enum FieldCode {
  Id,
  Actor,
  Label,
  Name,
  Number,
  Text,
  Email,
  Company,
  Date,
  Outcome,
  Error,
  Context,
  Virtual,
}

export const FIELD_CODE: Readonly<Record<FieldKind, FieldCode>> = {
  id: FieldCode.Id,
  actor: FieldCode.Actor,
  label: FieldCode.Label,
  name: FieldCode.Name,
  number: FieldCode.Number,
  text: FieldCode.Text,
  email: FieldCode.Email,
  company: FieldCode.Company,
  date: FieldCode.Date,
  outcome: FieldCode.Outcome,
  error: FieldCode.Error,
  context: FieldCode.Context,
  virtual: FieldCode.Virtual,
};

/** A field of a built spec (build.ts): its kind also as a code. */
export interface BuiltField extends FieldSpec {
  readonly code: FieldCode;
}

/** Where a label's values come from: a configured allow-list, a spec's own list, a range or a fixed list, or a constant. */
export type LabelSource =
  | { kind: 'set'; set: 'sources' | 'stages' | 'operations' | 'currencies' | 'errorTypes'; missing?: 'unknown' | 'defaultCurrency' }
  | { kind: 'list'; values: readonly string[] }
  | { kind: 'map'; values: readonly string[]; index: (value: never) => number }
  | { kind: 'const'; value: string };

export interface LabelSpec {
  /** The metric label name (also used in warnings); several labels may share it (constants). */
  name: string;
  /** Index of the field the label is read from (unused for const). */
  field: number;
  source: LabelSource;
}

export interface MetricSpec {
  name: string;
  kind: 'counter' | 'histogram';
  /** Label indexes (into EventSpec.labels), in the order they appear. */
  labels: readonly number[];
  /** Field index of the value added or recorded; none: a counter adds 1. Skipped when the value is undefined. */
  value?: number;
  /** The value is divided by this (milliseconds to seconds). */
  divide?: number;
}

/** A span event attribute: a field's value (`how` id: as a string; raw) or a label's value (`how` label). */
export interface SpanItem {
  attr: string;
  /** Field index (-1 for a label). */
  field: number;
  /** Label index (-1 for a field). */
  label: number;
  how: 'id' | 'raw' | 'label';
}

/**
 * A log attribute. `field`: written by the field's kind when the field has a value (labels through
 * the `label` given: allow-listed values as given, others scrubbed); `label` alone: the label value,
 * always present.
 */
export interface LogItem {
  attr: string;
  field?: number;
  label?: number;
  /** Written when the field has no value: the configured default currency. */
  orDefaultCurrency?: boolean;
}

export interface EventSpec {
  /** Index in the engine's table of compiled specs. */
  readonly id: number;
  readonly name: string;
  /** The function name in messages (leadCreated, contactMerged...). */
  readonly method: string;
  readonly severity: SeverityNumber;
  readonly body: string;
  /** What a whole input should look like, for the invalid_input rejection. */
  readonly example: string;
  readonly fields: readonly BuiltField[];
  /** Cross-field rules and derived values, after the fields are validated. */
  readonly derive?: (values: unknown[], r: Rejector) => void;
  readonly labels: readonly LabelSpec[];
  readonly metrics: readonly MetricSpec[];
  readonly span: readonly SpanItem[];
  readonly log: readonly LogItem[];
}

let nextId = 0;
/** Event names taken (built-in and defined), so that two events never share a name. */
export const EVENT_NAMES = new Set<string>();

export function newSpecId(): number {
  return nextId++;
}
