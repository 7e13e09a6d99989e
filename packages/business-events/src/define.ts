// defineEvent: a team's own event, with the guards of the built-in ones. The definition is
// checked once, here (programmer input: a bad one throws one TypeError naming every problem);
// the returned function then never throws (except for bad input in strict mode).

import { SeverityNumber } from '@opentelemetry/api';
import { buildSpec } from './build.js';
import type { SpecDef } from './build.js';
import { NAME_ACCEPTED } from './builtin.js';
import { instance } from './current.js';
import { METRIC_DEFS } from './instruments.js';
import { EVENT_NAMES } from './spec.js';
import type { EventSpec, FieldSpec } from './spec.js';
import type { RecordId } from './types.js';

/** id: a record id; count: an integer >= 0; number: a finite number (>= 0 unless `min`); text: free text (scrubbed, at most 1024 characters); pii: personal data, only ever a keyed hash; date: a Date or date string. */
export type FieldKindName = 'id' | 'count' | 'number' | 'text' | 'pii' | 'date';

export interface FieldOptions {
  kind: FieldKindName;
  /** Fields are required unless optional. */
  optional?: boolean;
  /** count and number: bounds (number's min defaults to 0). */
  min?: number;
  max?: number;
}

export type FieldDef = FieldKindName | FieldOptions;

export interface EventDefinition<F extends Record<string, FieldDef>, L extends Record<string, readonly string[]>> {
  /** The event name: dotted lower-case words, e.g. crm.contact.merged (span event, log event.name). */
  name: string;
  /** A Prometheus counter name ending in _total, added 1 per call with every label. */
  counter?: string;
  /** Label name -> its allow-list; other values are recorded as "other". */
  labels?: L;
  fields?: F;
  /** The log record body. Default: the event name. */
  body?: string;
  /** The log record severity. Default: info. */
  severity?: 'info' | 'warn' | 'error';
}

type KindOf<D> = D extends FieldKindName ? D : D extends { kind: infer K } ? K : never;
type ValueOf<K> = K extends 'id' ? RecordId : K extends 'count' | 'number' ? number : K extends 'date' ? Date | string : string;
type Optional<D> = D extends { optional: true } ? true : false;

/** The input of a defined event, inferred from its definition. */
export type EventInput<F extends Record<string, FieldDef>, L extends Record<string, readonly string[]>> = {
  [K in keyof F as Optional<F[K]> extends true ? never : K]: ValueOf<KindOf<F[K]>>;
} & {
  [K in keyof F as Optional<F[K]> extends true ? K : never]?: ValueOf<KindOf<F[K]>>;
} & {
  [K in keyof L]: L[K][number] | (string & {});
};

/** A defined event: call it with its input. */
export interface DefinedEvent<I> {
  (input: I): void;
  readonly eventName: string;
}

const EVENT_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const KINDS: readonly string[] = ['id', 'count', 'number', 'text', 'pii', 'date'];
const MAX_NAME = 128;
const MAX_LABELS = 4;
const MAX_VALUES = 200;
const RESERVED_LABELS = ['le', 'quantile', 'job', 'instance', 'service_name', 'service_namespace'];
const SEVERITIES = { info: SeverityNumber.INFO, warn: SeverityNumber.WARN, error: SeverityNumber.ERROR } as const;

const snake = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v.slice(0, 80)) : typeof v);

export function defineEvent<const F extends Record<string, FieldDef> = Record<never, FieldDef>, const L extends Record<string, readonly string[]> = Record<never, readonly string[]>>(
  definition: EventDefinition<F, L>,
): DefinedEvent<EventInput<F, L>> {
  const spec = specOf(definition);
  const event = (input: EventInput<F, L>): void => instance().recorder.record(spec, input);
  Object.defineProperty(event, 'eventName', { value: spec.name, enumerable: true });
  return event as DefinedEvent<EventInput<F, L>>;
}

/** Checks a definition and makes its spec; throws one TypeError naming every problem. */
function specOf(def: EventDefinition<Record<string, FieldDef>, Record<string, readonly string[]>>): EventSpec {
  const problems: string[] = [];
  if (typeof def !== 'object' || def === null) throw new TypeError(`@crm/business-events defineEvent: the definition is ${show(def)}; accepted: an object such as { name, counter, labels, fields }`);
  const name = def.name;
  if (typeof name !== 'string' || name.length > MAX_NAME || !EVENT_NAME.test(name)) {
    problems.push(`name is ${show(name)}; accepted: dotted lower-case words (letters, digits, _), at least two, at most ${MAX_NAME} characters, e.g. crm.contact.merged`);
  } else if (EVENT_NAMES.has(name)) {
    problems.push(`name ${show(name)} is already the name of another event; accepted: a name no other event has`);
  }
  const counter = def.counter;
  if (counter !== undefined) {
    if (typeof counter !== 'string' || !METRIC_NAME.test(counter) || !counter.endsWith('_total') || counter.startsWith('__')) {
      problems.push(`counter is ${show(counter)}; accepted: a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) ending in _total, e.g. contacts_merged_total`);
    } else if (METRIC_DEFS.has(counter)) {
      problems.push(`counter ${show(counter)} is already fed by another event; accepted: a metric name of its own`);
    }
  }
  const labels = def.labels ?? {};
  const fields = def.fields ?? {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) problems.push(`labels is ${show(labels)}; accepted: an object of label name -> allow-list`);
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) problems.push(`fields is ${show(fields)}; accepted: an object of field name -> kind`);
  const labelKeys = Object.keys(labels);
  if (labelKeys.length > MAX_LABELS) problems.push(`${labelKeys.length} labels; accepted: at most ${MAX_LABELS} (each multiplies the series of the counter)`);
  for (const key of labelKeys) {
    const list = (labels as Record<string, unknown>)[key];
    if (!LABEL_NAME.test(key) || key.startsWith('__') || RESERVED_LABELS.includes(key)) {
      problems.push(`label ${show(key)} is not a usable Prometheus label name; accepted: [a-zA-Z_][a-zA-Z0-9_]*, not starting with __, not ${RESERVED_LABELS.join(', ')}`);
    }
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_VALUES || !list.every((v) => typeof v === 'string' && v.trim().length > 0)) {
      problems.push(`label ${show(key)} has no allow-list; accepted: an array of 1 to ${MAX_VALUES} non-empty strings, e.g. ${key}: ['a', 'b'] (values outside it are recorded as "other")`);
    }
    if (Object.hasOwn(fields, key)) problems.push(`${show(key)} is both a label and a field; accepted: one of the two`);
  }
  const fieldSpecs: FieldSpec[] = [];
  for (const [key, raw] of Object.entries(fields)) {
    const opts: FieldOptions | undefined = typeof raw === 'string' ? { kind: raw as FieldKindName } : typeof raw === 'object' && raw !== null ? raw : undefined;
    if (!FIELD_NAME.test(key)) problems.push(`field ${show(key)} is not a plain identifier; accepted: [A-Za-z][A-Za-z0-9_]*`);
    if (opts === undefined || !KINDS.includes(opts.kind)) {
      problems.push(`field ${show(key)} has kind ${show(opts?.kind ?? raw)}; accepted: ${KINDS.join(', ')} or { kind, optional, min, max }`);
      continue;
    }
    const bad = (['min', 'max'] as const).filter((b) => opts[b] !== undefined && (typeof opts[b] !== 'number' || !Number.isFinite(opts[b])));
    if (bad.length > 0) problems.push(`field ${show(key)}: ${bad.join(' and ')} must be finite numbers`);
    fieldSpecs.push(fieldSpec(key, opts));
  }
  if (def.body !== undefined && (typeof def.body !== 'string' || def.body.length === 0 || def.body.length > MAX_NAME)) problems.push(`body is ${show(def.body)}; accepted: a non-empty string of at most ${MAX_NAME} characters`);
  if (def.severity !== undefined && !Object.hasOwn(SEVERITIES, def.severity)) problems.push(`severity is ${show(def.severity)}; accepted: info, warn, error`);
  if (problems.length > 0) {
    throw new TypeError(`@crm/business-events defineEvent(${typeof name === 'string' ? name.slice(0, MAX_NAME) : '?'}): ${problems.join('; ')}`);
  }

  const specDef: SpecDef = {
    name,
    method: name,
    severity: SEVERITIES[def.severity ?? 'info'],
    body: def.body ?? name,
    example: `an object such as { ${[...Object.keys(fields), ...labelKeys].join(', ')} }`,
    fields: [...fieldSpecs, ...labelKeys.map((key): FieldSpec => ({ key, kind: 'label', required: true, accepted: NAME_ACCEPTED }))],
    labels: Object.fromEntries(labelKeys.map((key) => [key, { field: key, source: { kind: 'list', values: labels[key]! } }])),
    metrics: counter === undefined ? [] : [{ name: counter, labels: labelKeys }],
    span: [
      ...fieldSpecs.filter((f) => f.kind === 'id' || f.kind === 'number').map((f) => [`${name}.${snake(f.key)}`, f.key, f.kind === 'id' ? 'id' : 'raw'] as const),
      ...labelKeys.map((key) => [`${name}.${key}`, key, 'label'] as const),
    ],
    log: [...fieldSpecs.map((f) => [`${name}.${snake(f.key)}`, f.key] as const), ...labelKeys.map((key) => [`${name}.${key}`, key, key] as const)],
  };
  if (counter !== undefined) METRIC_DEFS.set(counter, { kind: 'counter', description: `Number of ${name} events` });
  return buildSpec(specDef);
}

function fieldSpec(key: string, opts: FieldOptions): FieldSpec {
  const required = opts.optional !== true;
  switch (opts.kind) {
    case 'id':
      return { key, kind: 'id', required };
    case 'count':
    case 'number': {
      const integer = opts.kind === 'count';
      const min = opts.min ?? 0;
      const max = opts.max ?? Number.MAX_VALUE;
      const range = opts.max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
      return { key, kind: 'number', required, rule: { required, integer, min, max, accepted: `${integer ? 'an integer' : 'a finite number'} ${range}` } };
    }
    case 'text':
      return { key, kind: 'text', required };
    case 'pii':
      return { key, kind: 'email', required };
    case 'date':
      return { key, kind: 'date', required };
  }
}
