// The business events: validate input, then feed the three signals (metrics, span event, log
// record). Validation never throws in default mode, whatever the input (getters and Proxy traps
// that throw included); emission never throws in any mode.
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
import { sanitizeContext } from './context.js';
import type { ContextValue } from './context.js';
import { readError, readStack } from './error-info.js';
import type { ErrorInfo } from './error-info.js';
import { Pii } from './pii.js';
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
  readEach,
  UNREADABLE,
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
/** Longest label-like text (source, stage, currency, ...) in a log attribute. */
const MAX_LABEL = 256;
/** Longest value quoted in a warning or error message (after scrubbing). */
const MAX_QUOTED = 60;
/** Longest SDK error message repeated in a warning (after scrubbing). */
const MAX_SDK_MESSAGE = 200;
const ERROR_ACCEPTED = 'an Error, a string or any thrown value';
const CONTEXT_ACCEPTED = 'a plain object of fields';
const UNREADABLE_TEXT = 'could not be read (a getter or Proxy trap threw)';

const NOOP_LOGGER = createNoopLogger();
const INFO = SeverityNumber.INFO;
const ERROR = SeverityNumber.ERROR;

function rangeLabel(labels: readonly string[], index: number): string {
  return labels[index] ?? UNKNOWN;
}

function clip(text: string): string {
  return text.length > MAX_LABEL ? text.slice(0, MAX_LABEL) : text;
}

export class BusinessEventsImpl implements BusinessEvents, Rejector {
  private readonly cfg: ResolvedConfig;
  /** Rejections and internal errors: few keys (event x reason). */
  private readonly warnings: WarnOnce;
  /** Unknown label values: kept apart so that a flood of them cannot hide a rejection warning. */
  private readonly labelWarnings: WarnOnce;
  private readonly pii: Pii;
  private readonly quote = (value: string): string => this.pii.quote(value, MAX_QUOTED);
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
    this.pii = new Pii(config.hashKey);
    this.sources = new LabelSet('source', config.sources, snakeCase, this.labelWarnings, this.quote);
    this.stages = new LabelSet('stage', config.stages, snakeCase, this.labelWarnings, this.quote);
    this.operations = new LabelSet('operation', config.operations, snakeCase, this.labelWarnings, this.quote);
    this.currencies = new LabelSet('currency', config.currencies, upperCase, this.labelWarnings, this.quote);
    this.errorTypes = new LabelSet('error_type', [], (s) => s.trim(), this.labelWarnings, this.quote, config.maxErrorTypes);
    this.defaultCurrencyIndex = this.currencies.index(config.defaultCurrency);
  }

  // ---- Rejector -------------------------------------------------------------------------

  reject(field: string, value: unknown, reason: RejectionReason, accepted: string, sensitive = false): void {
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
    if (this.cfg.strict) throw new TypeError(this.rejection(field, value, reason, accepted, sensitive));
    (this.rejectedFields ??= []).push(field);
    const event = this.event;
    this.warnings.warn(
      `${event}\u0000${reason}`,
      () =>
        `${this.rejection(field, value, reason, accepted, sensitive)} (reason ${reason}; recorded what was valid and counted it in ` +
        `${METRIC.rejected}; further ${reason} rejections of ${event} are not reported)`,
    );
  }

  /** The message of a rejection: the value is scrubbed and cut (or described by type only when sensitive). */
  private rejection(field: string, value: unknown, reason: RejectionReason, accepted: string, sensitive: boolean): string {
    const what = reason === 'unreadable' ? UNREADABLE_TEXT : `is ${describeValue(value, this.quote, sensitive)}`;
    return `@crm/business-events ${this.method}: field "${field}" ${what}; accepted: ${accepted}`;
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
    const { event, method } = this;
    this.warnings.warn(`internal\u0000${event}`, () => {
      let text: string;
      try {
        text = err instanceof Error && typeof err.message === 'string' ? this.pii.text(err.message, MAX_SDK_MESSAGE) : describeValue(err, this.quote);
      } catch {
        text = 'an error that cannot be read';
      }
      return `@crm/business-events ${method}: the OpenTelemetry SDK failed while recording ${event} (${text}); the call returned normally`;
    });
  }

  /** A label-like input for a log attribute: allow-listed values as given, others scrubbed first. */
  private labelText(index: number, raw: string): string {
    return index === LabelSet.OTHER_INDEX ? this.pii.text(raw, MAX_LABEL) : clip(raw);
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
    let rawId: unknown, rawSource: unknown, rawScore: unknown, rawEmail: unknown, rawCompany: unknown;
    try {
      ({ id: rawId, source: rawSource, score: rawScore, email: rawEmail, company: rawCompany } = input);
    } catch {
      [rawId, rawSource, rawScore, rawEmail, rawCompany] = readEach(this, input, ['id', 'source', 'score', 'email', 'company']);
    }
    const id = checkId(this, rawId, 'id');
    const source = checkName(this, rawSource, 'source', true, NAME_ACCEPTED);
    const score = checkNumber(this, rawScore, 'score', SCORE_RULE);
    const email = checkOptionalText(this, rawEmail, 'email');
    const company = checkOptionalText(this, rawCompany, 'company');
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
        if (source !== undefined) attributes['crm.lead.source'] = this.labelText(sourceIndex, source);
        if (score !== undefined) attributes['crm.lead.score'] = score;
        if (email !== undefined && this.cfg.email === 'hash') attributes['crm.lead.email_hash'] = this.pii.hashEmail(email);
        if (company !== undefined) {
          if (this.cfg.company === 'hash') attributes['crm.lead.company_hash'] = this.pii.hash(company.trim());
          else if (this.cfg.company === 'keep') attributes['crm.lead.company'] = this.pii.text(company, MAX_LABEL);
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
    let rawLeadId: unknown, rawProspectId: unknown, rawSource: unknown;
    try {
      ({ leadId: rawLeadId, prospectId: rawProspectId, source: rawSource } = input);
    } catch {
      [rawLeadId, rawProspectId, rawSource] = readEach(this, input, ['leadId', 'prospectId', 'source']);
    }
    const leadId = checkId(this, rawLeadId, 'leadId');
    const prospectId = checkId(this, rawProspectId, 'prospectId');
    const source = checkName(this, rawSource, 'source', false, NAME_ACCEPTED);
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
        if (source !== undefined) attributes['crm.lead.source'] = this.labelText(sourceIndex, source);
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
    let rawId: unknown, rawValue: unknown, rawCurrency: unknown, rawProbability: unknown, rawExpectedCloseDate: unknown, rawStage: unknown;
    try {
      ({ id: rawId, value: rawValue, currency: rawCurrency, probability: rawProbability, expectedCloseDate: rawExpectedCloseDate, stage: rawStage } = input);
    } catch {
      [rawId, rawValue, rawCurrency, rawProbability, rawExpectedCloseDate, rawStage] = readEach(this, input, ['id', 'value', 'currency', 'probability', 'expectedCloseDate', 'stage']);
    }
    const id = checkId(this, rawId, 'id');
    const value = checkNumber(this, rawValue, 'value', VALUE_RULE);
    const currency = checkName(this, rawCurrency, 'currency', true, CURRENCY_ACCEPTED);
    const probability = checkNumber(this, rawProbability, 'probability', PROBABILITY_RULE);
    const expectedCloseDate = checkOptionalDate(this, rawExpectedCloseDate, 'expectedCloseDate');
    const stage = checkName(this, rawStage, 'stage', true, NAME_ACCEPTED);
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
        if (currency !== undefined) attributes['crm.opportunity.currency'] = this.labelText(currencyIndex, currency.trim().toUpperCase());
        if (probability !== undefined) attributes['crm.opportunity.probability'] = probability;
        if (expectedCloseDate !== undefined) attributes['crm.opportunity.expected_close_date'] = new Date(expectedCloseDate).toISOString();
        if (stage !== undefined) attributes['crm.opportunity.stage'] = this.labelText(stageIndex, stage);
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
    let rawId: unknown, rawFrom: unknown, rawTo: unknown, rawValue: unknown, rawCurrency: unknown;
    try {
      ({ id: rawId, from: rawFrom, to: rawTo, value: rawValue, currency: rawCurrency } = input);
    } catch {
      [rawId, rawFrom, rawTo, rawValue, rawCurrency] = readEach(this, input, ['id', 'from', 'to', 'value', 'currency']);
    }
    const id = checkId(this, rawId, 'id');
    const from = checkName(this, rawFrom, 'from', true, NAME_ACCEPTED);
    const to = checkName(this, rawTo, 'to', true, NAME_ACCEPTED);
    const value = checkNumber(this, rawValue, 'value', VALUE_RULE);
    const currency = checkName(this, rawCurrency, 'currency', false, CURRENCY_ACCEPTED);
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
        if (from !== undefined) attributes['crm.opportunity.from_stage'] = this.labelText(fromIndex, from);
        if (to !== undefined) attributes['crm.opportunity.to_stage'] = this.labelText(toIndex, to);
        if (value !== undefined) attributes['crm.opportunity.value'] = value;
        attributes['crm.opportunity.currency'] =
          currency === undefined ? this.cfg.defaultCurrency : this.labelText(this.currencies.index(currency), currency.trim().toUpperCase());
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
    let rawId: unknown, rawOutcome: unknown, rawValue: unknown, rawCurrency: unknown;
    try {
      ({ id: rawId, outcome: rawOutcome, value: rawValue, currency: rawCurrency } = input);
    } catch {
      [rawId, rawOutcome, rawValue, rawCurrency] = readEach(this, input, ['id', 'outcome', 'value', 'currency']);
    }
    const id = checkId(this, rawId, 'id');
    const outcome = checkOutcome(this, rawOutcome, 'outcome');
    const value = checkNumber(this, rawValue, 'value', VALUE_RULE);
    const currency = checkName(this, rawCurrency, 'currency', false, CURRENCY_ACCEPTED);
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
        attributes['crm.opportunity.currency'] = currency === undefined ? this.cfg.defaultCurrency : this.labelText(currencyIndex, currency.trim().toUpperCase());
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
    let rawSource: unknown, rawProcessed: unknown, rawSuccessful: unknown, rawFailed: unknown, rawDurationMs: unknown;
    try {
      ({ source: rawSource, processed: rawProcessed, successful: rawSuccessful, failed: rawFailed, durationMs: rawDurationMs } = input);
    } catch {
      [rawSource, rawProcessed, rawSuccessful, rawFailed, rawDurationMs] = readEach(this, input, ['source', 'processed', 'successful', 'failed', 'durationMs']);
    }
    const source = checkName(this, rawSource, 'source', true, NAME_ACCEPTED);
    let processed = checkNumber(this, rawProcessed, 'processed', COUNT_RULE);
    const successful = checkNumber(this, rawSuccessful, 'successful', COUNT_RULE);
    const failed = checkNumber(this, rawFailed, 'failed', COUNT_RULE);
    const durationMs = checkNumber(this, rawDurationMs, 'durationMs', DURATION_RULE);
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
        if (source !== undefined) attributes['crm.sync.source'] = this.labelText(sourceIndex, source);
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
    let rawOperation: unknown, rawError: unknown, rawErrorType: unknown, rawContext: unknown;
    try {
      ({ operation: rawOperation, error: rawError, errorType: rawErrorType, context: rawContext } = input);
    } catch {
      [rawOperation, rawError, rawErrorType, rawContext] = readEach(this, input, ['operation', 'error', 'errorType', 'context']);
    }
    const operation = checkName(this, rawOperation, 'operation', true, NAME_ACCEPTED);
    let info: ErrorInfo | undefined;
    if (rawError === undefined || rawError === null) this.reject('error', rawError, 'missing_field', ERROR_ACCEPTED);
    else if (rawError !== UNREADABLE) {
      try {
        info = readError(rawError, this.quote);
      } catch {
        this.reject('error', rawError, 'unreadable', ERROR_ACCEPTED);
      }
    }
    const errorTypeOverride = checkName(this, rawErrorType, 'errorType', false, 'a non-empty string');
    // The context is read and scrubbed here, whatever the signals, so that an unreadable one is
    // counted (and thrown in strict mode) alike with or without a LoggerProvider.
    let context: Record<string, ContextValue> | undefined;
    if (rawContext !== undefined && rawContext !== null && rawContext !== UNREADABLE) {
      if (isObject(rawContext)) {
        context = {};
        if (!sanitizeContext(this.pii, rawContext, context)) this.reject('context', rawContext, 'unreadable', CONTEXT_ACCEPTED);
      } else {
        this.reject('context', rawContext, 'wrong_type', CONTEXT_ACCEPTED);
      }
    }
    try {
      const ins = this.ins;
      const span = this.span;
      const recording = span !== undefined;
      const logging = this.logging;
      const logger = this.logger;
      const operationIndex = operation === undefined ? LabelSet.UNKNOWN_INDEX : this.operations.index(operation);
      const rawType = errorTypeOverride ?? info?.type;
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
        if (operation !== undefined) attributes['crm.operation.name'] = this.labelText(operationIndex, operation);
        if (info !== undefined) {
          if (info.name !== undefined) attributes['exception.type'] = this.pii.text(info.name, MAX_LABEL);
          if (info.message !== undefined) attributes['exception.message'] = this.pii.text(info.message);
          const stack = info.error === undefined ? undefined : readStack(info.error);
          if (stack !== undefined) attributes['exception.stacktrace'] = this.pii.text(stack);
        }
        if (context !== undefined) Object.assign(attributes, context);
        this.emit(logger, ERROR, 'Operation Failed', attributes);
      }
    } catch (err) {
      this.internalError(err);
    }
  }
}
