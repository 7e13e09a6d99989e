// The business events: validate input, then feed the three signals (metrics, span event, log
// record). Validation never throws in default mode; emission never throws in any mode.
//
// Hot path: metric attribute objects are precomputed per label combination (arrays indexed by
// label indexes) and reused, counters add to in-process cells (see counter-store.ts), span
// events carry only the ids and at most one label; with no SDK (and strict mode off) a call
// returns after three global look-ups, without even validating.

import { SeverityNumber, createNoopLogger, trace } from '@opentelemetry/api';
import type { Attributes, Logger, Span } from '@opentelemetry/api';
import type { ResolvedConfig } from './config.js';
import { METRIC, UNKNOWN } from './defaults.js';
import { NOOP_INSTRUMENTS, instrumentCache } from './instruments.js';
import type { Instruments } from './instruments.js';
import { LabelSet, snakeCase, upperCase } from './label-set.js';
import { LoggerCache } from './logger-cache.js';
import { Hasher, sanitizeContext } from './pii.js';
import type { ContextValue } from './pii.js';
import { SCORE_RANGES, VALUE_RANGES, scoreRangeIndex, valueRangeIndex } from './ranges.js';
import type {
  BusinessEventName,
  BusinessEvents,
  LeadConvertedInput,
  LeadCreatedInput,
  OperationFailedInput,
  OpportunityClosedInput,
  OpportunityCreatedInput,
  OpportunityStageChangedInput,
  RejectionReason,
  SyncCompletedInput,
} from './types.js';
import {
  checkId,
  checkName,
  checkNumber,
  checkOptionalDate,
  checkOptionalText,
  checkOutcome,
  describeValue,
  isObject,
} from './validate.js';
import type { NumberRule, Rejector } from './validate.js';
import { WarnOnce } from './warnings.js';

const SCORE_RULE: NumberRule = { required: false, max: 100, accepted: 'a finite number from 0 to 100' };
const PROBABILITY_RULE: NumberRule = { required: false, max: 1, accepted: 'a finite number from 0 to 1' };
const VALUE_RULE: NumberRule = { required: true, accepted: 'a finite number >= 0' };
const COUNT_RULE: NumberRule = { required: true, integer: true, accepted: 'a non-negative integer' };
const DURATION_RULE: NumberRule = { required: true, accepted: 'a finite number of milliseconds >= 0' };
const NAME_ACCEPTED = 'a non-empty string (values outside the allow-list are recorded as "other")';
const CURRENCY_ACCEPTED = 'a non-empty string, an ISO 4217 code such as USD';
const UNKNOWN_RANGE = 5; // index after the five score/value ranges
const OUTCOMES: readonly string[] = ['won', 'lost'];
const SYNC_STATUS: readonly string[] = ['success', 'failed', 'skipped'];
const MAX_TEXT = 256;

const NOOP_LOGGER = createNoopLogger();
const INFO = SeverityNumber.INFO;
const ERROR = SeverityNumber.ERROR;

function rangeLabel(labels: readonly string[], index: number): string {
  return labels[index] ?? UNKNOWN;
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}

export class BusinessEventsImpl implements BusinessEvents, Rejector {
  private readonly cfg: ResolvedConfig;
  /** Rejections and internal errors: few keys (event x reason). */
  private readonly warnings: WarnOnce;
  /** Unknown label values: kept apart so that a flood of them cannot hide a rejection warning. */
  private readonly labelWarnings: WarnOnce;
  private readonly hasher: Hasher;
  private readonly loggers = new LoggerCache();
  private readonly sources: LabelSet;
  private readonly stages: LabelSet;
  private readonly operations: LabelSet;
  private readonly currencies: LabelSet;
  private readonly errorTypes: LabelSet;
  private readonly defaultCurrencyIndex: number;

  // Precomputed metric attributes, indexed by label indexes.
  private readonly leadAttrs: Attributes[] = [];
  private readonly sourceAttrs: Attributes[] = [];
  private readonly oppCreatedAttrs: Attributes[] = [];
  private readonly oppValueAttrs: Attributes[] = [];
  private readonly stageChangeAttrs: Attributes[] = [];
  private readonly closedAttrs: Attributes[] = [];
  private readonly syncAttrs: Attributes[] = [];
  private readonly errorAttrs = new Map<number, Attributes>();
  private readonly rejectedAttrs = new Map<string, Attributes>();

  // State of the call in progress (calls are synchronous and do not nest).
  private event: BusinessEventName = 'crm.lead.created';
  private method = 'leadCreated';
  private rejectedFields: string[] | undefined;
  private ins: Instruments = NOOP_INSTRUMENTS;
  private span: Span | undefined;
  private logger: Logger = NOOP_LOGGER;
  private logging = false;

  constructor(config: ResolvedConfig) {
    this.cfg = config;
    this.warnings = new WarnOnce(config.warn);
    this.labelWarnings = new WarnOnce(config.warn);
    this.hasher = new Hasher(config.hashKey);
    this.sources = new LabelSet('source', config.sources, snakeCase, this.labelWarnings);
    this.stages = new LabelSet('stage', config.stages, snakeCase, this.labelWarnings);
    this.operations = new LabelSet('operation', config.operations, snakeCase, this.labelWarnings);
    this.currencies = new LabelSet('currency', config.currencies, upperCase, this.labelWarnings);
    this.errorTypes = new LabelSet('error_type', [], (s) => s.trim(), this.labelWarnings, config.maxErrorTypes);
    this.defaultCurrencyIndex = this.currencies.index(config.defaultCurrency);
  }

  // ---- Rejector -------------------------------------------------------------------------

  reject(field: string, value: unknown, reason: RejectionReason, accepted: string, sensitive = false): void {
    const message =
      `@crm/business-events ${this.method}: field "${field}" is ${describeValue(value, sensitive)}; ` + `accepted: ${accepted}`;
    try {
      const ins = this.ins;
      if (ins.active) {
        const key = `${this.event}|${reason}`;
        let attrs = this.rejectedAttrs.get(key);
        if (attrs === undefined) {
          attrs = { event: this.event, reason };
          this.rejectedAttrs.set(key, attrs);
        }
        ins.rejected.add(1, attrs);
      }
    } catch (err) {
      this.internalError(err);
    }
    if (this.cfg.strict) throw new TypeError(message);
    (this.rejectedFields ??= []).push(field);
    this.warnings.warn(
      `${this.event}\u0000${reason}`,
      `${message} (reason ${reason}; recorded what was valid and counted it in ${METRIC.rejected}; further ${reason} rejections of ${this.event} are not reported)`,
    );
  }

  /**
   * Starts a call: finds out which signals are live. Returns false when none is (no SDK) and
   * strict mode is off: the call then does nothing at all, not even validation.
   */
  private begin(event: BusinessEventName, method: string, severity: SeverityNumber): boolean {
    this.event = event;
    this.method = method;
    this.rejectedFields = undefined;
    try {
      this.ins = instrumentCache.get();
      const span = trace.getActiveSpan();
      this.span = span !== undefined && span.isRecording() ? span : undefined;
      this.logger = this.loggers.get();
      this.logging = this.logger.enabled({ severityNumber: severity, eventName: event });
    } catch (err) {
      this.ins = NOOP_INSTRUMENTS;
      this.span = undefined;
      this.logging = false;
      this.internalError(err);
    }
    return this.ins.active || this.span !== undefined || this.logging || this.cfg.strict;
  }

  private internalError(err: unknown): void {
    const text = err instanceof Error ? err.message : String(err);
    this.warnings.warn(
      `internal\u0000${this.event}`,
      `@crm/business-events ${this.method}: the OpenTelemetry SDK failed while recording ${this.event} (${text}); the call returned normally`,
    );
  }

  /** Adds the rejected field names to a log record, so a partial record can be recognized. */
  private withRejections(attributes: Attributes): Attributes {
    if (this.rejectedFields !== undefined) attributes['crm.event.rejected_fields'] = this.rejectedFields;
    return attributes;
  }

  private emit(logger: Logger, severity: SeverityNumber, body: string, attributes: Attributes): void {
    logger.emit({
      eventName: this.event,
      severityNumber: severity,
      severityText: severity === ERROR ? 'ERROR' : 'INFO',
      body,
      attributes: this.withRejections(attributes),
    });
  }

  private sourceAttributes(index: number): Attributes {
    let attrs = this.sourceAttrs[index];
    if (attrs === undefined) {
      attrs = { source: this.sources.values[index] ?? UNKNOWN };
      this.sourceAttrs[index] = attrs;
    }
    return attrs;
  }

  private currencyIndex(currency: string | undefined, fallback: number): number {
    return currency === undefined ? fallback : this.currencies.index(currency);
  }

  // ---- leadCreated ------------------------------------------------------------------------

  leadCreated(input: LeadCreatedInput): void {
    if (!this.begin('crm.lead.created', 'leadCreated', INFO)) return;
    if (!isObject(input)) return this.reject('input', input, 'invalid_input', 'an object such as { id, source }');
    const id = checkId(this, input.id, 'id');
    const source = checkName(this, input.source, 'source', true, NAME_ACCEPTED);
    const score = checkNumber(this, input.score, 'score', SCORE_RULE);
    const email = checkOptionalText(this, input.email, 'email');
    const company = checkOptionalText(this, input.company, 'company');
    try {
      const ins = this.ins;
      const span = this.span;
      const recording = span !== undefined;
      const logging = this.logging;
      const logger = this.logger;
      const sourceIndex = source === undefined ? LabelSet.UNKNOWN_INDEX : this.sources.index(source);
      const range = score === undefined ? UNKNOWN_RANGE : scoreRangeIndex(score);
      if (ins.active) {
        const key = sourceIndex * 8 + range;
        let attrs = this.leadAttrs[key];
        if (attrs === undefined) {
          attrs = { source: this.sources.values[sourceIndex] ?? UNKNOWN, score_range: rangeLabel(SCORE_RANGES, range) };
          this.leadAttrs[key] = attrs;
        }
        ins.leadsCreated.add(1, attrs);
      }
      if (recording) {
        span.addEvent(this.event, {
          'crm.lead.id': id === undefined ? undefined : String(id),
        });
      }
      if (logging) {
        const attributes: Attributes = { 'event.name': this.event, 'crm.lead.score_range': rangeLabel(SCORE_RANGES, range) };
        if (id !== undefined) attributes['crm.lead.id'] = String(id);
        if (source !== undefined) attributes['crm.lead.source'] = clip(source);
        if (score !== undefined) attributes['crm.lead.score'] = score;
        if (email !== undefined && this.cfg.email === 'hash') attributes['crm.lead.email_hash'] = this.hasher.hashEmail(email);
        if (company !== undefined) {
          if (this.cfg.company === 'hash') attributes['crm.lead.company_hash'] = this.hasher.hash(company.trim());
          else if (this.cfg.company === 'keep') attributes['crm.lead.company'] = clip(company);
        }
        this.emit(logger, INFO, 'Lead Created', attributes);
      }
    } catch (err) {
      this.internalError(err);
    }
  }

  // ---- leadConverted ----------------------------------------------------------------------

  leadConverted(input: LeadConvertedInput): void {
    if (!this.begin('crm.lead.converted', 'leadConverted', INFO)) return;
    if (!isObject(input)) return this.reject('input', input, 'invalid_input', 'an object such as { leadId, prospectId, source }');
    const leadId = checkId(this, input.leadId, 'leadId');
    const prospectId = checkId(this, input.prospectId, 'prospectId');
    const source = checkName(this, input.source, 'source', false, NAME_ACCEPTED);
    try {
      const ins = this.ins;
      const span = this.span;
      const recording = span !== undefined;
      const logging = this.logging;
      const logger = this.logger;
      const sourceIndex = source === undefined ? LabelSet.UNKNOWN_INDEX : this.sources.index(source);
      if (ins.active) {
        const attrs = this.sourceAttributes(sourceIndex);
        ins.leadConversions.add(1, attrs);
        ins.prospectsCreated.add(1, attrs);
      }
      if (recording) {
        span.addEvent(this.event, {
          'crm.lead.id': leadId === undefined ? undefined : String(leadId),
          'crm.prospect.id': prospectId === undefined ? undefined : String(prospectId),
        });
      }
      if (logging) {
        const attributes: Attributes = { 'event.name': this.event };
        if (leadId !== undefined) attributes['crm.lead.id'] = String(leadId);
        if (prospectId !== undefined) attributes['crm.prospect.id'] = String(prospectId);
        if (source !== undefined) attributes['crm.lead.source'] = clip(source);
        this.emit(logger, INFO, 'Lead Converted to Prospect', attributes);
      }
    } catch (err) {
      this.internalError(err);
    }
  }

  // ---- opportunityCreated -----------------------------------------------------------------

  opportunityCreated(input: OpportunityCreatedInput): void {
    if (!this.begin('crm.opportunity.created', 'opportunityCreated', INFO)) return;
    if (!isObject(input)) return this.reject('input', input, 'invalid_input', 'an object such as { id, value, currency, stage }');
    const id = checkId(this, input.id, 'id');
    const value = checkNumber(this, input.value, 'value', VALUE_RULE);
    const currency = checkName(this, input.currency, 'currency', true, CURRENCY_ACCEPTED);
    const probability = checkNumber(this, input.probability, 'probability', PROBABILITY_RULE);
    const expectedCloseDate = checkOptionalDate(this, input.expectedCloseDate, 'expectedCloseDate');
    const stage = checkName(this, input.stage, 'stage', true, NAME_ACCEPTED);
    try {
      const ins = this.ins;
      const span = this.span;
      const recording = span !== undefined;
      const logging = this.logging;
      const logger = this.logger;
      const range = value === undefined ? UNKNOWN_RANGE : valueRangeIndex(value);
      const stageIndex = stage === undefined ? LabelSet.UNKNOWN_INDEX : this.stages.index(stage);
      const currencyIndex = this.currencyIndex(currency, LabelSet.UNKNOWN_INDEX);
      if (ins.active) {
        const pair = stageIndex * this.currencies.size + currencyIndex;
        const key = pair * 8 + range;
        let attrs = this.oppCreatedAttrs[key];
        if (attrs === undefined) {
          attrs = {
            value_range: rangeLabel(VALUE_RANGES, range),
            stage: this.stages.values[stageIndex] ?? UNKNOWN,
            currency: this.currencies.values[currencyIndex] ?? UNKNOWN,
          };
          this.oppCreatedAttrs[key] = attrs;
        }
        ins.opportunitiesCreated.add(1, attrs);
        if (value !== undefined) {
          let valueAttrs = this.oppValueAttrs[pair];
          if (valueAttrs === undefined) {
            valueAttrs = { stage: this.stages.values[stageIndex] ?? UNKNOWN, currency: this.currencies.values[currencyIndex] ?? UNKNOWN };
            this.oppValueAttrs[pair] = valueAttrs;
          }
          ins.opportunityValue.record(value, valueAttrs);
        }
      }
      if (recording) {
        span.addEvent(this.event, {
          'crm.opportunity.id': id === undefined ? undefined : String(id),
        });
      }
      if (logging) {
        const attributes: Attributes = { 'event.name': this.event, 'crm.opportunity.value_range': rangeLabel(VALUE_RANGES, range) };
        if (id !== undefined) attributes['crm.opportunity.id'] = String(id);
        if (value !== undefined) attributes['crm.opportunity.value'] = value;
        if (currency !== undefined) attributes['crm.opportunity.currency'] = clip(currency.trim().toUpperCase());
        if (probability !== undefined) attributes['crm.opportunity.probability'] = probability;
        if (expectedCloseDate !== undefined) attributes['crm.opportunity.expected_close_date'] = new Date(expectedCloseDate).toISOString();
        if (stage !== undefined) attributes['crm.opportunity.stage'] = clip(stage);
        this.emit(logger, INFO, 'Opportunity Created', attributes);
      }
    } catch (err) {
      this.internalError(err);
    }
  }

  // ---- opportunityStageChanged ------------------------------------------------------------

  opportunityStageChanged(input: OpportunityStageChangedInput): void {
    if (!this.begin('crm.opportunity.stage_changed', 'opportunityStageChanged', INFO)) return;
    if (!isObject(input)) return this.reject('input', input, 'invalid_input', 'an object such as { id, from, to, value }');
    const id = checkId(this, input.id, 'id');
    const from = checkName(this, input.from, 'from', true, NAME_ACCEPTED);
    const to = checkName(this, input.to, 'to', true, NAME_ACCEPTED);
    const value = checkNumber(this, input.value, 'value', VALUE_RULE);
    const currency = checkName(this, input.currency, 'currency', false, CURRENCY_ACCEPTED);
    try {
      const ins = this.ins;
      const span = this.span;
      const recording = span !== undefined;
      const logging = this.logging;
      const logger = this.logger;
      const fromIndex = from === undefined ? LabelSet.UNKNOWN_INDEX : this.stages.index(from);
      const toIndex = to === undefined ? LabelSet.UNKNOWN_INDEX : this.stages.index(to);
      if (ins.active) {
        const key = fromIndex * this.stages.size + toIndex;
        let attrs = this.stageChangeAttrs[key];
        if (attrs === undefined) {
          attrs = { from_stage: this.stages.values[fromIndex] ?? UNKNOWN, to_stage: this.stages.values[toIndex] ?? UNKNOWN };
          this.stageChangeAttrs[key] = attrs;
        }
        ins.stageChanges.add(1, attrs);
      }
      if (recording) {
        span.addEvent(this.event, {
          'crm.opportunity.id': id === undefined ? undefined : String(id),
          'crm.opportunity.to_stage': this.stages.values[toIndex],
        });
      }
      if (logging) {
        const attributes: Attributes = { 'event.name': this.event };
        if (id !== undefined) attributes['crm.opportunity.id'] = String(id);
        if (from !== undefined) attributes['crm.opportunity.from_stage'] = clip(from);
        if (to !== undefined) attributes['crm.opportunity.to_stage'] = clip(to);
        if (value !== undefined) attributes['crm.opportunity.value'] = value;
        attributes['crm.opportunity.currency'] = currency === undefined ? this.cfg.defaultCurrency : clip(currency.trim().toUpperCase());
        this.emit(logger, INFO, 'Opportunity Stage Changed', attributes);
      }
    } catch (err) {
      this.internalError(err);
    }
  }

  // ---- opportunityClosed ------------------------------------------------------------------

  opportunityClosed(input: OpportunityClosedInput): void {
    if (!this.begin('crm.opportunity.closed', 'opportunityClosed', INFO)) return;
    if (!isObject(input)) return this.reject('input', input, 'invalid_input', 'an object such as { id, outcome, value }');
    const id = checkId(this, input.id, 'id');
    const outcome = checkOutcome(this, input.outcome, 'outcome');
    const value = checkNumber(this, input.value, 'value', VALUE_RULE);
    const currency = checkName(this, input.currency, 'currency', false, CURRENCY_ACCEPTED);
    try {
      const ins = this.ins;
      const span = this.span;
      const recording = span !== undefined;
      const logging = this.logging;
      const logger = this.logger;
      const outcomeIndex = outcome === 'won' ? 0 : outcome === 'lost' ? 1 : 2;
      const currencyIndex = this.currencyIndex(currency, this.defaultCurrencyIndex);
      if (ins.active) {
        const key = currencyIndex * 3 + outcomeIndex;
        let attrs = this.closedAttrs[key];
        if (attrs === undefined) {
          attrs = { outcome: OUTCOMES[outcomeIndex] ?? UNKNOWN, currency: this.currencies.values[currencyIndex] ?? UNKNOWN };
          this.closedAttrs[key] = attrs;
        }
        ins.opportunitiesClosed.add(1, attrs);
        if (value !== undefined) ins.opportunityClosedValue.record(value, attrs);
      }
      if (recording) {
        span.addEvent(this.event, {
          'crm.opportunity.id': id === undefined ? undefined : String(id),
          'crm.opportunity.outcome': outcome,
        });
      }
      if (logging) {
        const attributes: Attributes = { 'event.name': this.event, 'crm.opportunity.outcome': outcome ?? UNKNOWN };
        if (id !== undefined) attributes['crm.opportunity.id'] = String(id);
        if (value !== undefined) attributes['crm.opportunity.value'] = value;
        attributes['crm.opportunity.currency'] = currency === undefined ? this.cfg.defaultCurrency : clip(currency.trim().toUpperCase());
        this.emit(logger, INFO, 'Opportunity Closed', attributes);
      }
    } catch (err) {
      this.internalError(err);
    }
  }

  // ---- syncCompleted ----------------------------------------------------------------------

  syncCompleted(input: SyncCompletedInput): void {
    if (!this.begin('crm.sync.completed', 'syncCompleted', INFO)) return;
    if (!isObject(input)) return this.reject('input', input, 'invalid_input', 'an object such as { source, processed, successful, failed, durationMs }');
    const source = checkName(this, input.source, 'source', true, NAME_ACCEPTED);
    let processed = checkNumber(this, input.processed, 'processed', COUNT_RULE);
    const successful = checkNumber(this, input.successful, 'successful', COUNT_RULE);
    const failed = checkNumber(this, input.failed, 'failed', COUNT_RULE);
    const durationMs = checkNumber(this, input.durationMs, 'durationMs', DURATION_RULE);
    if (processed !== undefined && successful !== undefined && failed !== undefined && successful + failed > processed) {
      this.reject('processed', processed, 'out_of_range', `at least successful + failed (${successful + failed})`);
      processed = undefined;
    }
    try {
      const ins = this.ins;
      const span = this.span;
      const recording = span !== undefined;
      const logging = this.logging;
      const logger = this.logger;
      const sourceIndex = source === undefined ? LabelSet.UNKNOWN_INDEX : this.sources.index(source);
      if (ins.active) {
        if (successful !== undefined) ins.leadSync.add(successful, this.syncAttributes(sourceIndex, 0));
        if (failed !== undefined) ins.leadSync.add(failed, this.syncAttributes(sourceIndex, 1));
        if (processed !== undefined && successful !== undefined && failed !== undefined && processed > successful + failed) {
          ins.leadSync.add(processed - successful - failed, this.syncAttributes(sourceIndex, 2));
        }
        if (durationMs !== undefined) ins.leadSyncDuration.record(durationMs / 1000, this.sourceAttributes(sourceIndex));
      }
      if (recording) {
        span.addEvent(this.event, {
          'crm.sync.source': this.sources.values[sourceIndex],
          'crm.sync.failed': failed,
        });
      }
      if (logging) {
        const attributes: Attributes = { 'event.name': this.event };
        if (source !== undefined) attributes['crm.sync.source'] = clip(source);
        if (processed !== undefined) attributes['crm.sync.processed'] = processed;
        if (successful !== undefined) attributes['crm.sync.successful'] = successful;
        if (failed !== undefined) attributes['crm.sync.failed'] = failed;
        if (durationMs !== undefined) attributes['crm.sync.duration_ms'] = durationMs;
        this.emit(logger, INFO, 'Data Synchronization Completed', attributes);
      }
    } catch (err) {
      this.internalError(err);
    }
  }

  private syncAttributes(sourceIndex: number, status: number): Attributes {
    const key = sourceIndex * 4 + status;
    let attrs = this.syncAttrs[key];
    if (attrs === undefined) {
      attrs = { source: this.sources.values[sourceIndex] ?? UNKNOWN, status: SYNC_STATUS[status] ?? UNKNOWN };
      this.syncAttrs[key] = attrs;
    }
    return attrs;
  }

  // ---- operationFailed --------------------------------------------------------------------

  operationFailed(input: OperationFailedInput): void {
    if (!this.begin('crm.operation.failed', 'operationFailed', ERROR)) return;
    if (!isObject(input)) return this.reject('input', input, 'invalid_input', 'an object such as { operation, error, context }');
    const operation = checkName(this, input.operation, 'operation', true, NAME_ACCEPTED);
    const error: unknown = input.error;
    if (error === undefined || error === null) this.reject('error', error, 'missing_field', 'an Error, a string or any thrown value');
    const errorTypeOverride = checkName(this, input.errorType, 'errorType', false, 'a non-empty string');
    let context: Record<string, unknown> | undefined;
    if (input.context !== undefined && input.context !== null) {
      if (isObject(input.context)) context = input.context;
      else this.reject('context', input.context, 'wrong_type', 'a plain object of fields');
    }
    try {
      const ins = this.ins;
      const span = this.span;
      const recording = span !== undefined;
      const logging = this.logging;
      const logger = this.logger;
      const operationIndex = operation === undefined ? LabelSet.UNKNOWN_INDEX : this.operations.index(operation);
      const rawType = errorTypeOverride ?? errorTypeOf(error);
      const typeIndex = rawType === undefined ? LabelSet.UNKNOWN_INDEX : this.errorTypes.index(rawType);
      if (ins.active) {
        const key = operationIndex * 4096 + typeIndex;
        let attrs = this.errorAttrs.get(key);
        if (attrs === undefined) {
          attrs = { operation: this.operations.values[operationIndex] ?? UNKNOWN, error_type: this.errorTypes.values[typeIndex] ?? UNKNOWN };
          this.errorAttrs.set(key, attrs);
        }
        ins.operationErrors.add(1, attrs);
      }
      if (recording) {
        span.addEvent(this.event, {
          'crm.operation.name': this.operations.values[operationIndex],
          'error.type': this.errorTypes.values[typeIndex],
        });
      }
      if (logging) {
        const attributes: Attributes = { 'event.name': this.event, 'error.type': this.errorTypes.values[typeIndex] ?? UNKNOWN };
        if (operation !== undefined) attributes['crm.operation.name'] = clip(operation);
        if (error instanceof Error) {
          attributes['exception.type'] = clip(error.name);
          attributes['exception.message'] = this.hasher.scrubText(error.message);
          if (typeof error.stack === 'string') attributes['exception.stacktrace'] = this.hasher.scrubText(error.stack);
        } else if (error !== undefined && error !== null) {
          attributes['exception.message'] = this.hasher.scrubText(typeof error === 'string' ? error : describeValue(error));
        }
        if (context !== undefined) sanitizeContext(this.hasher, context, attributes as Record<string, ContextValue>);
        this.emit(logger, ERROR, 'Operation Failed', attributes);
      }
    } catch (err) {
      this.internalError(err);
    }
  }
}

/** error.code when it looks like a code (ECONNRESET, ERR_HTTP_TIMEOUT), else error.name, else the value's kind. */
function errorTypeOf(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (typeof error === 'string') return 'Error';
  if (typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name.length > 0) return name;
    return 'Object';
  }
  return typeof error;
}
