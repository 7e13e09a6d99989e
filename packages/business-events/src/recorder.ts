// Records any EventSpec: validate the input, then feed the three signals (metrics, span event,
// log record). Validation never throws in default mode, whatever the input (getters and Proxy
// traps that throw included); emission never throws in any mode.
//
// State of a call lives in a Call object of its own, so an event recorded from inside a log
// processor or a warning sink during another call leaves the outer call intact.
//
// Hot path: a call runs the code generated for its spec (bound.ts; the loops here where code
// generation is disallowed), metric attribute objects are cached per label combination and
// reused, counters add to in-process cells (counter-store.ts), span events carry only ids and
// labels, labels are resolved only for the live signals; with no SDK (and strict mode off) a
// call returns after three global look-ups, without even validating.

import { SeverityNumber, trace } from '@opentelemetry/api';
import type { Attributes, Histogram, Logger, Span } from '@opentelemetry/api';
import type { ResolvedConfig } from './config.js';
import { LabelHow, MAX_LABEL, USE_LOG, USE_METRICS, USE_SPAN, bodyOf, boundLabel } from './bound.js';
import type { Bound, BoundLabel, BoundMetric, CallSite } from './bound.js';
import { sanitizeContext } from './context.js';
import type { ContextValue } from './context.js';
import type { FastCounter } from './counter-store.js';
import { METRIC, UNKNOWN } from './defaults.js';
import { readError, readStack } from './error-info.js';
import type { ErrorInfo } from './error-info.js';
import { NOOP_INSTRUMENTS, instrumentCache } from './instruments.js';
import type { Instruments } from './instruments.js';
import { LabelSet, snakeCase, upperCase } from './label-set.js';
import { LoggerCache } from './logger-cache.js';
import { Pii } from './pii.js';
import { FieldCode } from './spec.js';
import type { BuiltField, EventSpec, LabelSpec } from './spec.js';
import type { RejectionReason } from './types.js';
import {
  checkId,
  checkName,
  checkNumber,
  checkOptionalDate,
  checkOptionalText,
  checkOutcome,
  describeValue,
  isObject,
  readEach,
  UNREADABLE,
} from './validate.js';
import { WarnOnce } from './warnings.js';

/** Longest value quoted in a warning or error message (after scrubbing). */
const MAX_QUOTED = 60;
/** Longest SDK error message repeated in a warning (after scrubbing). */
const MAX_SDK_MESSAGE = 200;
const ERROR_ACCEPTED = 'an Error, a string or any thrown value';
const CONTEXT_ACCEPTED = 'a plain object of fields';
const UNREADABLE_TEXT = 'could not be read (a getter or Proxy trap threw)';
/** Largest number of label combinations of a metric cached in an array (beyond: a Map). */
const MAX_DENSE = 16_384;

function clip(text: string): string {
  return text.length > MAX_LABEL ? text.slice(0, MAX_LABEL) : text;
}

export class Recorder {
  readonly cfg: ResolvedConfig;
  /** Rejections and internal errors: few keys (event x reason). */
  readonly warnings: WarnOnce;
  /** Unknown label values: kept apart so that a flood of them cannot hide a rejection warning. */
  private readonly labelWarnings: WarnOnce;
  readonly pii: Pii;
  readonly quote = (value: string): string => this.pii.quote(value, MAX_QUOTED);
  private readonly loggers = new LoggerCache();
  private readonly sets: Record<'sources' | 'stages' | 'operations' | 'currencies' | 'errorTypes', LabelSet>;
  private readonly defaultCurrencyIndex: number;
  /** Specs bound to this engine, by spec id. */
  private readonly bound: (Bound | undefined)[] = [];
  readonly rejectedAttrs = new Map<string, Attributes>();
  private readonly calls: Call[] = [];
  private depth = 0;

  constructor(config: ResolvedConfig) {
    this.cfg = config;
    this.warnings = new WarnOnce(config.warn);
    this.labelWarnings = new WarnOnce(config.warn);
    this.pii = new Pii(config.hashKey);
    const set = (name: string, values: readonly string[], normalize = snakeCase, grow = 0): LabelSet =>
      new LabelSet(name, values, normalize, this.labelWarnings, this.quote, grow);
    this.sets = {
      sources: set('source', config.sources),
      stages: set('stage', config.stages),
      operations: set('operation', config.operations),
      currencies: set('currency', config.currencies, upperCase),
      errorTypes: set('error_type', [], (s) => s.trim(), config.maxErrorTypes),
    };
    this.defaultCurrencyIndex = this.sets.currencies.index(config.defaultCurrency);
  }

  /** Records one event. Never throws, except for bad input in strict mode (a TypeError). */
  record(spec: EventSpec, input: unknown): void {
    let ins: Instruments;
    let span: Span | undefined;
    let logger: Logger | undefined;
    let logging: boolean;
    try {
      ins = instrumentCache.get();
      const active = trace.getActiveSpan();
      span = active !== undefined && active.isRecording() ? active : undefined;
      logger = this.loggers.get();
      logging = logger.enabled({ severityNumber: spec.severity, eventName: spec.name });
    } catch (err) {
      ins = NOOP_INSTRUMENTS;
      span = undefined;
      logging = false;
      this.internalError(spec, err);
    }
    if (!ins.active && span === undefined && !logging && !this.cfg.strict) return;
    // One Call per nesting depth (an event recorded from a warning sink or a log processor during
    // another call runs one level deeper), reused by the calls at that depth: calls are synchronous.
    const depth = this.depth;
    const call = (this.calls[depth] ??= new Call(this));
    call.start(spec, ins, span, logging ? logger : undefined);
    this.depth = depth + 1;
    try {
      call.run(input);
    } finally {
      this.depth = depth;
      call.end();
    }
  }

  internalError(spec: EventSpec, err: unknown): void {
    this.warnings.warn(`internal\u0000${spec.name}`, () => {
      let text: string;
      try {
        text = err instanceof Error && typeof err.message === 'string' ? this.pii.text(err.message, MAX_SDK_MESSAGE) : describeValue(err, this.quote);
      } catch {
        text = 'an error that cannot be read';
      }
      return `@crm/business-events ${spec.method}: the OpenTelemetry SDK failed while recording ${spec.name} (${text}); the call returned normally`;
    });
  }

  /** The spec bound to this engine's allow-lists and caches (made on its first call). */
  bind(spec: EventSpec): Bound {
    return this.bound[spec.id] ?? this.bindNew(spec);
  }

  private bindNew(spec: EventSpec): Bound {
    const labels = spec.labels.map((l) => this.bindLabel(spec, l));
    for (const m of spec.metrics) for (const l of m.labels) labels[l]!.uses |= USE_METRICS;
    for (const item of spec.span) if (item.how === 'label') labels[item.label]!.uses |= USE_SPAN;
    for (const item of spec.log) if (item.label !== undefined) labels[item.label]!.uses |= USE_LOG;
    const metrics = spec.metrics.map((m): BoundMetric => {
      const weights: number[] = [];
      let combinations = 1;
      for (const l of m.labels) {
        weights.push(combinations);
        const label = labels[l]!;
        combinations *= label.set === undefined ? label.values.length : label.set.capacity;
      }
      const dense = combinations <= MAX_DENSE ? new Array<Attributes | undefined>(combinations) : undefined;
      return {
        spec: m,
        counter: m.kind === 'counter',
        value: m.value ?? -1,
        divide: m.divide ?? 1,
        labels: m.labels,
        weights,
        dense,
        sparse: new Map(),
        owner: undefined,
        instrument: undefined,
      };
    });
    const names = labels.map((l) => l.values);
    const b: Bound = { labels, names, metrics, body: bodyOf(spec, { labels, names, metrics }, this) };
    this.bound[spec.id] = b;
    return b;
  }

  private bindLabel(spec: EventSpec, l: LabelSpec): BoundLabel {
    const s = l.source;
    switch (s.kind) {
      case 'set': {
        const set = this.sets[s.set];
        return boundLabel(l, LabelHow.Set, set, set.values, s.missing === 'defaultCurrency' ? this.defaultCurrencyIndex : LabelSet.UNKNOWN_INDEX, s.set === 'currencies');
      }
      case 'list': {
        const set = new LabelSet(`${spec.name} ${l.name}`, s.values, snakeCase, this.labelWarnings, this.quote, 0, "allow-list of the label in the event's definition");
        return boundLabel(l, LabelHow.Set, set, set.values, LabelSet.UNKNOWN_INDEX);
      }
      case 'map':
        return boundLabel(l, LabelHow.Map, undefined, [...s.values, UNKNOWN], s.values.length, false, s.index as (value: unknown) => number);
      case 'const':
        return boundLabel(l, LabelHow.Const, undefined, [s.value], 0);
    }
  }

  /** Metric attributes for the label indexes, cached per combination. */
  readonly attributes = (labels: readonly BoundLabel[], m: BoundMetric, idx: readonly number[]): Attributes => {
    let key = 0;
    for (let i = 0; i < m.labels.length; i++) key += idx[m.labels[i]!]! * m.weights[i]!;
    const dense = m.dense;
    let attrs = dense === undefined ? m.sparse.get(key) : dense[key];
    if (attrs === undefined) {
      attrs = {};
      for (const l of m.labels) attrs[labels[l]!.spec.name] = labelValue(labels[l]!, idx[l]!);
      if (dense === undefined) m.sparse.set(key, attrs);
      else dense[key] = attrs;
    }
    return attrs;
  };
}

/** The spec of a Call not started yet. */
const NO_SPEC: EventSpec = {
  id: -1,
  name: '',
  method: '',
  severity: SeverityNumber.INFO,
  body: '',
  example: '',
  fields: [],
  derive: undefined,
  labels: [],
  metrics: [],
  span: [],
  log: [],
};

function labelValue(l: BoundLabel, index: number): string {
  return l.values[index] ?? UNKNOWN;
}

/** One call in progress: the Rejector of its validation and the signals it writes to. */
class Call implements CallSite {
  private spec: EventSpec = NO_SPEC;
  private ins: Instruments = NOOP_INSTRUMENTS;
  private span: Span | undefined;
  private logger: Logger | undefined;
  private rejectedFields: string[] | undefined;
  /** Validated field values, then label indexes: reused by the calls of this depth, cleared after each. */
  private readonly values: unknown[] = [];
  private readonly idx: number[] = [];

  constructor(private readonly eng: Recorder) {}

  start(spec: EventSpec, ins: Instruments, span: Span | undefined, logger: Logger | undefined): void {
    this.spec = spec;
    this.ins = ins;
    this.span = span;
    this.logger = logger;
    this.rejectedFields = undefined;
  }

  /** Drops the references of the call (the input's values, the span), so nothing outlives it. */
  end(): void {
    const values = this.values;
    for (let i = 0, n = this.spec.fields.length; i < n; i++) values[i] = undefined;
    this.span = undefined;
    this.logger = undefined;
    this.rejectedFields = undefined;
  }

  run(input: unknown): void {
    const { eng, spec, ins, span, logger, values, idx } = this;
    if (!isObject(input)) return this.reject('input', input, 'invalid_input', spec.example);
    const b = eng.bind(spec);
    // Only the labels of the live signals: an unknown value is warned about only when it is recorded.
    const live = (ins.active ? USE_METRICS : 0) | (span !== undefined ? USE_SPAN : 0) | (logger !== undefined ? USE_LOG : 0);
    if (b.body !== undefined) b.body(this, input, values, idx, ins, span, live);
    else this.runLoop(b, input, live);
  }

  /** What Bound.body does, by reading the table (where code generation is disallowed). */
  private runLoop(b: Bound, input: Record<string, unknown>, live: number): void {
    const { spec, logger, values, idx } = this;
    const fields = spec.fields;
    try {
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        if (f.code !== FieldCode.Virtual) values[i] = input[f.key];
      }
    } catch {
      this.readEach(input);
    }
    for (let i = 0; i < fields.length; i++) values[i] = this.check(fields[i]!, values[i]);
    spec.derive?.(values, this);
    try {
      this.emit(b, live);
      if (logger !== undefined) this.log(b.labels, values, idx);
    } catch (err) {
      this.failed(err);
    }
  }

  readEach(input: Record<string, unknown>): void {
    const fields = this.spec.fields;
    const read = readEach(this, input, fields.map((f) => (f.code === FieldCode.Virtual ? undefined : f.key)));
    for (let i = 0; i < read.length; i++) this.values[i] = read[i];
  }

  failed(err: unknown): void {
    this.eng.internalError(this.spec, err);
  }

  /** Checks one value read from the input by its field's kind: the valid value, or undefined. */
  check(f: BuiltField, raw: unknown): unknown {
    switch (f.code) {
      case FieldCode.Id:
      case FieldCode.Actor:
        if (!f.required && (raw === undefined || raw === null)) return undefined;
        return checkId(this, raw, f.key);
      case FieldCode.Label:
      case FieldCode.Name:
        return checkName(this, raw, f.key, f.required, f.accepted ?? '');
      case FieldCode.Number:
        return checkNumber(this, raw, f.key, f.rule!);
      case FieldCode.Text:
      case FieldCode.Email:
      case FieldCode.Company: {
        const text = checkOptionalText(this, raw, f.key);
        if (text === undefined && f.required && (raw === undefined || raw === null || raw === '')) this.reject(f.key, raw, 'missing_field', 'a non-empty string');
        return text;
      }
      case FieldCode.Date: {
        const t = checkOptionalDate(this, raw, f.key);
        if (t === undefined && f.required && (raw === undefined || raw === null)) this.reject(f.key, raw, 'missing_field', 'a valid Date or a date string such as 2026-12-31');
        return t;
      }
      case FieldCode.Outcome:
        return checkOutcome(this, raw, f.key);
      case FieldCode.Error:
        return this.checkError(raw);
      case FieldCode.Context:
        return this.checkContext(raw);
      case FieldCode.Virtual:
        return undefined;
    }
  }

  checkError(raw: unknown): ErrorInfo | undefined {
    if (raw === undefined || raw === null) this.reject('error', raw, 'missing_field', ERROR_ACCEPTED);
    else if (raw !== UNREADABLE) {
      try {
        return readError(raw, this.eng.quote);
      } catch {
        this.reject('error', raw, 'unreadable', ERROR_ACCEPTED);
      }
    }
    return undefined;
  }

  /** Read and scrubbed whatever the signals, so that an unreadable context is counted (and thrown in strict mode) alike with or without a LoggerProvider. */
  checkContext(raw: unknown): Record<string, ContextValue> | undefined {
    if (raw === undefined || raw === null || raw === UNREADABLE) return undefined;
    if (!isObject(raw)) {
      this.reject('context', raw, 'wrong_type', CONTEXT_ACCEPTED);
      return undefined;
    }
    const context: Record<string, ContextValue> = {};
    if (!sanitizeContext(this.eng.pii, raw, context)) this.reject('context', raw, 'unreadable', CONTEXT_ACCEPTED);
    return context;
  }

  /** The labels, metrics and span event of Bound.body, by reading the table. */
  private emit(b: Bound, live: number): void {
    const { eng, spec, ins, span, values, idx } = this;
    const labels = b.labels;
    for (let l = 0; l < labels.length; l++) {
      const label = labels[l]!;
      if (label.how === LabelHow.Const || (label.uses & live) === 0) {
        idx[l] = label.missing;
        continue;
      }
      const v = values[label.field];
      if (v === undefined) idx[l] = label.missing;
      else if (label.how === LabelHow.Set) idx[l] = label.set!.index(v as string);
      else idx[l] = label.index!(v);
    }
    if (ins.active) {
      for (const m of b.metrics) {
        let amount = 1;
        if (m.value >= 0) {
          const v = values[m.value] as number | undefined;
          if (v === undefined) continue;
          amount = m.divide === 1 ? v : v / m.divide;
        }
        if (m.owner !== ins) {
          m.owner = ins;
          m.instrument = ins.get(m.spec.name);
        }
        const attrs = eng.attributes(labels, m, idx);
        if (m.counter) (m.instrument as FastCounter).add(amount, attrs);
        else (m.instrument as Histogram).record(amount, attrs);
      }
    }
    if (span !== undefined) {
      const attrs: Attributes = {};
      for (const item of spec.span) {
        if (item.how === 'label') attrs[item.attr] = labelValue(labels[item.label]!, idx[item.label]!);
        else {
          const v = values[item.field] as string | number | undefined;
          attrs[item.attr] = item.how === 'id' && v !== undefined ? String(v) : v;
        }
      }
      span.addEvent(spec.name, attrs);
    }
  }

  /** The log record of Bound.body, by reading the table. */
  private log(labels: readonly BoundLabel[], values: unknown[], idx: number[]): void {
    const { eng, spec } = this;
    const { cfg, pii } = eng;
    const attributes: Attributes = { 'event.name': spec.name };
    for (const item of spec.log) {
      if (item.field === undefined) {
        attributes[item.attr] = labelValue(labels[item.label!]!, idx[item.label!]!);
        continue;
      }
      const v = values[item.field];
      if (v === undefined) {
        if (item.orDefaultCurrency) attributes[item.attr] = cfg.defaultCurrency;
        continue;
      }
      const a = item.attr;
      switch (spec.fields[item.field]!.code) {
        case FieldCode.Id:
          attributes[a] = String(v);
          break;
        case FieldCode.Actor:
          attributes[`${a}_hash`] = pii.hash(String(v));
          break;
        case FieldCode.Label:
          attributes[a] = this.labelText(labels[item.label!]!, idx[item.label!]!, v as string);
          break;
        case FieldCode.Number:
          attributes[a] = v as number;
          break;
        case FieldCode.Text:
          attributes[a] = pii.text(v as string);
          break;
        case FieldCode.Email:
          if (cfg.email === 'hash') attributes[`${a}_hash`] = pii.hashEmail(v as string);
          break;
        case FieldCode.Company:
          if (cfg.company === 'hash') attributes[`${a}_hash`] = pii.hash((v as string).trim());
          else if (cfg.company === 'keep') attributes[a] = pii.text(v as string, MAX_LABEL);
          break;
        case FieldCode.Date:
          attributes[a] = new Date(v as number).toISOString();
          break;
        case FieldCode.Error:
          this.errorInto(attributes, v as ErrorInfo);
          break;
        case FieldCode.Context:
          Object.assign(attributes, v);
          break;
        default:
          break;
      }
    }
    this.emitLog(attributes);
  }

  /** A label-like input on the log record: allow-listed values as given (normalized), others scrubbed; bounded. */
  labelText(label: BoundLabel, index: number, value: string): string {
    const raw = label.upper ? value.trim().toUpperCase() : value;
    return index === LabelSet.OTHER_INDEX ? this.eng.pii.text(raw, MAX_LABEL) : clip(raw);
  }

  errorInto(attributes: Attributes, info: ErrorInfo): void {
    const pii = this.eng.pii;
    if (info.name !== undefined) attributes['exception.type'] = pii.text(info.name, MAX_LABEL);
    if (info.message !== undefined) attributes['exception.message'] = pii.text(info.message);
    const stack = info.error === undefined ? undefined : readStack(info.error);
    if (stack !== undefined) attributes['exception.stacktrace'] = pii.text(stack);
  }

  emitLog(attributes: Attributes): void {
    const spec = this.spec;
    if (this.rejectedFields !== undefined) attributes['crm.event.rejected_fields'] = this.rejectedFields;
    const severity = spec.severity;
    this.logger!.emit({
      eventName: spec.name,
      severityNumber: severity,
      severityText: severity === SeverityNumber.ERROR ? 'ERROR' : severity === SeverityNumber.WARN ? 'WARN' : 'INFO',
      body: spec.body,
      attributes,
    });
  }

  // ---- Rejector -------------------------------------------------------------------------

  reject(field: string, value: unknown, reason: RejectionReason, accepted: string, sensitive = false): void {
    const { eng, spec } = this;
    try {
      const ins = this.ins;
      if (ins.active) {
        const key = `${spec.name}|${reason}`;
        let attrs = eng.rejectedAttrs.get(key);
        if (attrs === undefined) {
          attrs = { event: spec.name, reason };
          eng.rejectedAttrs.set(key, attrs);
        }
        ins.rejected.add(1, attrs);
      }
    } catch (err) {
      eng.internalError(spec, err);
    }
    if (eng.cfg.strict) throw new TypeError(this.rejection(field, value, reason, accepted, sensitive));
    (this.rejectedFields ??= []).push(field);
    eng.warnings.warn(
      `${spec.name}\u0000${reason}`,
      () =>
        `${this.rejection(field, value, reason, accepted, sensitive)} (reason ${reason}; recorded what was valid and counted it in ` +
        `${METRIC.rejected}; further ${reason} rejections of ${spec.name} are not reported)`,
    );
  }

  /** The message of a rejection: the value is scrubbed and cut (or described by type only when sensitive). */
  private rejection(field: string, value: unknown, reason: RejectionReason, accepted: string, sensitive: boolean): string {
    const what = reason === 'unreadable' ? UNREADABLE_TEXT : `is ${describeValue(value, this.eng.quote, sensitive)}`;
    return `@crm/business-events ${this.spec.method}: field "${field}" ${what}; accepted: ${accepted}`;
  }
}
