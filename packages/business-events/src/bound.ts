// A spec bound to one engine (its allow-lists, attribute caches, instruments and PII policies),
// and the code generated for its calls: reading and checking the fields, the label indexes, the
// metrics, the span event and the log record's attributes of one spec as straight-line code of
// its own. Loops over the table read every spec at the same sites (megamorphic loads, calls and
// keyed stores, a switch per field): 120-170 ns per call more than the hand-written events of
// 0.1 (60e640a) with the SDK's work left out, some hundreds more with a LoggerProvider.
// Generated code holds no input and no configured text: field keys are identifiers, attribute
// names [A-Za-z0-9_.] (both checked here), numbers integers; everything else is reached through
// the values passed to it. Where code generation is disallowed
// (--disallow-code-generation-from-strings) the recorder's loops do the same from the table.

import type { Attributes, Span } from '@opentelemetry/api';
import type { ResolvedConfig } from './config.js';
import type { ContextValue } from './context.js';
import { UNKNOWN } from './defaults.js';
import type { ErrorInfo } from './error-info.js';
import type { Instrument, Instruments } from './instruments.js';
import type { LabelSet } from './label-set.js';
import type { Pii } from './pii.js';
import { FieldCode } from './spec.js';
import type { BuiltField, EventSpec, LabelSpec, MetricSpec } from './spec.js';
import { checkId, checkName, checkNumber, checkOptionalDate, checkOptionalText, checkOutcome } from './validate.js';
import type { Rejector } from './validate.js';

/** How a bound label finds its index. */
export const enum LabelHow {
  /** LabelSet.index of the input (an allow-list). */
  Set,
  /** The spec's index function (ranges, outcome). */
  Map,
  /** Always index 0 (a constant; not read from the input). */
  Const,
}

/** Which signals use a label (BoundLabel.uses), and which are live in a call. */
export const USE_METRICS = 1;
export const USE_SPAN = 2;
export const USE_LOG = 4;

/** A label of a spec, bound to this engine's allow-lists. */
export interface BoundLabel {
  readonly spec: LabelSpec;
  readonly how: LabelHow;
  /** Index of the field the label is read from (unused for Const). */
  readonly field: number;
  readonly set: LabelSet | undefined;
  /** Label values by index: the set's (which may grow) or the fixed ones. */
  readonly values: readonly string[];
  /** Index when the input has no value. */
  readonly missing: number;
  /** Log text of an allow-listed value is normalized (currencies: upper case). */
  readonly upper: boolean;
  /** Index of a value in `values` (Map labels). */
  readonly index: ((value: unknown) => number) | undefined;
  /** Which signals use the label (USE_*): a call resolves only the labels its live signals use. */
  uses: number;
}

/** One object shape for every kind of label (the hot path reads them all at one site). */
export function boundLabel(
  spec: LabelSpec,
  how: LabelHow,
  set: LabelSet | undefined,
  values: readonly string[],
  missing: number,
  upper = false,
  index?: (value: unknown) => number,
): BoundLabel {
  return { spec, how, field: spec.field, set, values, missing, upper, index, uses: 0 };
}

export interface BoundMetric {
  readonly spec: MetricSpec;
  readonly counter: boolean;
  /** Field index of the value added or recorded, -1: a counter adds 1. */
  readonly value: number;
  /** The value is divided by this (1: as it is). */
  readonly divide: number;
  readonly labels: readonly number[];
  /** Per label: what its index is multiplied by in the cache key (a mixed-radix number). */
  readonly weights: readonly number[];
  /** Attribute objects by key: an array when the combinations are few, else a Map. */
  readonly dense: (Attributes | undefined)[] | undefined;
  readonly sparse: Map<number, Attributes>;
  owner: Instruments | undefined;
  instrument: Instrument | undefined;
}

/** What the generated body of a call calls back: the Call of recorder.ts. */
export interface CallSite extends Rejector {
  /** The recorder's check of one field by its kind (for the kinds the generated checks leave to it). */
  check(f: BuiltField, raw: unknown): unknown;
  /** The check of an `error` field (a thrown value, read). */
  checkError(raw: unknown): ErrorInfo | undefined;
  /** The check of a `context` field (read and scrubbed). */
  checkContext(raw: unknown): Record<string, ContextValue> | undefined;
  /** Reads the fields one at a time into the call's values, after reading them at once threw. */
  readEach(input: Record<string, unknown>): void;
  /** A label-like input on the log record. */
  labelText(label: BoundLabel, index: number, value: string): string;
  /** The exception.* attributes of an ErrorInfo. */
  errorInto(attributes: Attributes, info: ErrorInfo): void;
  /** Emits the log record with these attributes (and the rejected fields). */
  emitLog(attributes: Attributes): void;
  /** The SDK threw while the call fed a signal: reported, never thrown. */
  failed(err: unknown): void;
}

/**
 * One call of a spec, compiled (after the input was found to be an object): reads and checks the
 * fields into `values`, derives, resolves the label indexes of the live signals (USE_*) into
 * `idx`, feeds the metrics when `ins` is active, adds the span event and has the log record written.
 */
export type Body = (c: CallSite, input: Record<string, unknown>, values: unknown[], idx: number[], ins: Instruments, span: Span | undefined, live: number) => void;

export interface Bound {
  readonly labels: readonly BoundLabel[];
  /** Each label's values (BoundLabel.values). */
  readonly names: readonly (readonly string[])[];
  readonly metrics: readonly BoundMetric[];
  /** Undefined where code generation is disallowed: the recorder's loops then. */
  readonly body: Body | undefined;
}

/** What the generated code reads of its engine (the Recorder). */
export interface Engine {
  /** Makes a cached metric attribute object on a miss. */
  readonly attributes: (labels: readonly BoundLabel[], m: BoundMetric, idx: readonly number[]) => Attributes;
  readonly cfg: ResolvedConfig;
  readonly pii: Pii;
}

/** Longest label-like text (source, stage, currency, ...) in a log attribute. */
export const MAX_LABEL = 256;

/** Field keys in generated code: identifiers (build.ts and defineEvent check them too). */
export const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Attribute names in generated code: letters, digits, dots and underscores only (quoted as they are). */
export const ATTRIBUTE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

const int = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw new Error(`@crm/business-events internal: ${n} in generated code`);
  return String(n);
};

/** Reads the input's fields by name (`v0 = o.id;`): named loads are cached per input shape, a keyed load per field in a loop is megamorphic. */
function readLines(fields: readonly BuiltField[]): string[] {
  return fields.map((f, i) => (f.code === FieldCode.Virtual ? '' : `v${i} = o.${f.key};`));
}

/** The values array to the locals (after c.readEach or derive wrote it), and back. */
const fromArray = (n: number): string => Array.from({ length: n }, (_, i) => `v${i} = v[${i}];`).join(' ');
const toArray = (n: number): string => Array.from({ length: n }, (_, i) => `v[${i}] = v${i};`).join(' ');

/** Checks each field with the validator of its kind called directly; required text and dates through `c.check`. */
function checkLines(fields: readonly BuiltField[]): string[] {
  return fields.map((f, i) => {
    const v = `v${i}`;
    switch (f.code) {
      case FieldCode.Id:
      case FieldCode.Actor:
        return f.required ? `${v} = checkId(c, ${v}, F[${i}].key);` : `${v} = ${v} === undefined || ${v} === null ? undefined : checkId(c, ${v}, F[${i}].key);`;
      case FieldCode.Label:
      case FieldCode.Name:
        return `${v} = checkName(c, ${v}, F[${i}].key, ${f.required ? 'true' : 'false'}, A[${i}]);`;
      case FieldCode.Number:
        return `${v} = checkNumber(c, ${v}, F[${i}].key, F[${i}].rule);`;
      case FieldCode.Outcome:
        return `${v} = checkOutcome(c, ${v}, F[${i}].key);`;
      case FieldCode.Text:
      case FieldCode.Email:
      case FieldCode.Company:
        return f.required ? `${v} = c.check(F[${i}], ${v});` : `${v} = checkOptionalText(c, ${v}, F[${i}].key);`;
      case FieldCode.Date:
        return f.required ? `${v} = c.check(F[${i}], ${v});` : `${v} = checkOptionalDate(c, ${v}, F[${i}].key);`;
      case FieldCode.Error:
        return `${v} = c.checkError(${v});`;
      case FieldCode.Context:
        return `${v} = c.checkContext(${v});`;
      case FieldCode.Virtual:
        return `${v} = undefined;`;
      default:
        return `${v} = c.check(F[${i}], ${v});`;
    }
  });
}

/** Resolves the label indexes of the live signals. */
function labelLines(labels: readonly BoundLabel[]): string[] {
  return labels.flatMap((l, i) => {
    if (l.how === LabelHow.Const) return [`i${i} = 0;`];
    const find = l.how === LabelHow.Set ? `L[${i}].set.index(x)` : `L[${i}].index(x)`;
    return [
      `if ((live & ${int(l.uses)}) === 0) i${i} = ${int(l.missing)};`,
      `else { const x = v${int(l.field)}; i${i} = x === undefined ? ${int(l.missing)} : ${find}; }`,
    ];
  });
}

/** Adds to each metric with its cached attribute object (made by `attributesOf` on a miss). */
function metricLines(metrics: readonly BoundMetric[], labels: number): string[] {
  const idx = Array.from({ length: labels }, (_, l) => `i[${l}] = i${l};`).join(' ');
  const out = ['if (ins.active) {'];
  metrics.forEach((m, j) => {
    const key = m.labels.map((l, k) => `i${int(l)} * ${int(m.weights[k]!)}`).join(' + ') || '0';
    const amount = m.value < 0 ? '1' : m.divide === 1 ? 'x' : 'x / m.divide';
    out.push(
      '{',
      m.value < 0 ? '' : `const x = v${int(m.value)}; if (x !== undefined) {`,
      `const m = M[${j}];`,
      'if (m.owner !== ins) { m.owner = ins; m.instrument = ins.get(m.spec.name); }',
      `const k = ${key};`,
      `let a = ${m.dense !== undefined ? 'm.dense[k]' : 'm.sparse.get(k)'};`,
      `if (a === undefined) { ${idx} a = attributesOf(L, m, i); }`,
      `m.instrument.${m.counter ? 'add' : 'record'}(${amount}, a);`,
      m.value < 0 ? '' : '}',
      '}',
    );
  });
  out.push('}');
  return out;
}

/** The span event's attributes as one object literal: objects of one shape made in one step. */
function spanLine(spec: EventSpec): string {
  const props = spec.span.map((s) => {
    const f = int(s.field);
    const value = s.how === 'label' ? `N[${int(s.label)}][i${int(s.label)}] ?? U` : s.how === 'id' ? `v${f} === undefined ? undefined : String(v${f})` : `v${f}`;
    return `"${s.attr}": ${value}`;
  });
  return `if (span !== undefined) span.addEvent(NAME, { ${props.join(', ')} });`;
}

/**
 * The log attributes in the order of the spec's items, by named stores: a store of a varying
 * name in a loop is a megamorphic keyed store, and adding a property that way costs a lookup of
 * the transition each time. The PII policies of the engine are decided here, once.
 */
function logLines(spec: EventSpec, cfg: ResolvedConfig): string[] {
  const out = [`if ((live & ${int(USE_LOG)}) !== 0) {`, 'const a = { "event.name": NAME };'];
  for (const item of spec.log) {
    const attr = `a["${item.attr}"]`;
    const hashed = `a["${item.attr}_hash"]`;
    if (item.field === undefined) {
      out.push(`${attr} = N[${int(item.label!)}][i${int(item.label!)}] ?? U;`);
      continue;
    }
    let write: string;
    switch (spec.fields[item.field]!.code) {
      case FieldCode.Id:
        write = `${attr} = String(x);`;
        break;
      case FieldCode.Actor:
        write = `${hashed} = P.hash(String(x));`;
        break;
      case FieldCode.Label:
        write = `${attr} = c.labelText(L[${int(item.label!)}], i${int(item.label!)}, x);`;
        break;
      case FieldCode.Number:
        write = `${attr} = x;`;
        break;
      case FieldCode.Text:
        write = `${attr} = P.text(x);`;
        break;
      case FieldCode.Email:
        write = cfg.email === 'hash' ? `${hashed} = P.hashEmail(x);` : '';
        break;
      case FieldCode.Company:
        write = cfg.company === 'hash' ? `${hashed} = P.hash(x.trim());` : cfg.company === 'keep' ? `${attr} = P.text(x, ${int(MAX_LABEL)});` : '';
        break;
      case FieldCode.Date:
        write = `${attr} = new Date(x).toISOString();`;
        break;
      case FieldCode.Error:
        write = 'c.errorInto(a, x);';
        break;
      case FieldCode.Context:
        write = 'Object.assign(a, x);';
        break;
      default:
        write = '';
    }
    const missing = item.orDefaultCurrency ? ` else ${attr} = DC;` : '';
    if (write !== '' || missing !== '') out.push(`{ const x = v${int(item.field)}; if (x !== undefined) { ${write} }${missing} }`);
  }
  out.push('c.emitLog(a);', '}');
  return out;
}

/** The compiled call of a bound spec (see Body); undefined where code generation is disallowed or a name is not safe in code. */
export function bodyOf(spec: EventSpec, b: Omit<Bound, 'body'>, eng: Engine): Body | undefined {
  if (!spec.fields.every((f) => f.code === FieldCode.Virtual || IDENTIFIER.test(f.key))) return undefined;
  if (!spec.span.every((s) => ATTRIBUTE.test(s.attr)) || !spec.log.every((l) => ATTRIBUTE.test(l.attr))) return undefined;
  const n = spec.fields.length;
  const locals = (prefix: string, count: number): string =>
    count === 0 ? '' : `let ${Array.from({ length: count }, (_, k) => `${prefix}${k}`).join(', ')};`;
  // Values and label indexes live in locals; the arrays `v` and `i` only where a callee reads or
  // writes them (c.readEach, derive, attributesOf).
  const code = [
    locals('v', n),
    locals('i', b.labels.length),
    'try {',
    ...readLines(spec.fields),
    '} catch {',
    `c.readEach(o); ${fromArray(n)}`,
    '}',
    ...checkLines(spec.fields),
    spec.derive === undefined ? '' : `${toArray(n)} D(v, c); ${fromArray(n)}`,
    'try {',
    ...labelLines(b.labels),
    ...metricLines(b.metrics, b.labels.length),
    spanLine(spec),
    ...logLines(spec, eng.cfg),
    '} catch (err) {',
    'c.failed(err);',
    '}',
  ];
  try {
    const make = new Function(
      'checkId', 'checkName', 'checkNumber', 'checkOutcome', 'checkOptionalText', 'checkOptionalDate', 'F', 'A', 'D', 'L', 'M', 'N', 'U', 'NAME', 'attributesOf', 'P', 'DC',
      `return function body(c, o, v, i, ins, span, live) {\n${code.filter((line) => line !== '').join('\n')}\n};`,
    );
    const accepted = spec.fields.map((f) => f.accepted ?? '');
    return make(checkId, checkName, checkNumber, checkOutcome, checkOptionalText, checkOptionalDate, spec.fields, accepted, spec.derive, b.labels, b.metrics, b.names, UNKNOWN, spec.name, eng.attributes, eng.pii, eng.cfg.defaultCurrency) as Body;
  } catch {
    return undefined;
  }
}
