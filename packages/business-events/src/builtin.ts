// The built-in events, one spec each: the seven CRM events and the security and audit events.
// Metric names, labels, attribute names and bodies are a contract with dashboards, alert rules
// and saved searches: do not rename.

import { SeverityNumber } from '@opentelemetry/api';
import { buildSpec } from './build.js';
import { METRIC } from './defaults.js';
import type { ErrorInfo } from './error-info.js';
import { SCORE_RANGES, VALUE_RANGES, scoreRangeIndex, valueRangeIndex } from './ranges.js';
import type { FieldSpec } from './spec.js';
import type { NumberRule } from './validate.js';

const SCORE_RULE: NumberRule = { required: false, max: 100, accepted: 'a finite number from 0 to 100' };
const PROBABILITY_RULE: NumberRule = { required: false, max: 1, accepted: 'a finite number from 0 to 1' };
const VALUE_RULE: NumberRule = { required: true, accepted: 'a finite number >= 0' };
const COUNT_RULE: NumberRule = { required: true, integer: true, accepted: 'a non-negative integer' };
const OPTIONAL_COUNT_RULE: NumberRule = { ...COUNT_RULE, required: false };
const DURATION_RULE: NumberRule = { required: true, accepted: 'a finite number of milliseconds >= 0' };
export const NAME_ACCEPTED = 'a non-empty string (values outside the allow-list are recorded as "other")';
const CURRENCY_ACCEPTED = 'a non-empty string, an ISO 4217 code such as USD';

/** Field constructors of the table. */
const f = {
  id: (key: string, required = true): FieldSpec => ({ key, kind: 'id', required }),
  actor: (key: string): FieldSpec => ({ key, kind: 'actor', required: true }),
  label: (key: string, required: boolean, accepted = NAME_ACCEPTED): FieldSpec => ({ key, kind: 'label', required, accepted }),
  number: (key: string, rule: NumberRule): FieldSpec => ({ key, kind: 'number', required: rule.required, rule }),
  text: (key: string): FieldSpec => ({ key, kind: 'text', required: false }),
  email: (key: string): FieldSpec => ({ key, kind: 'email', required: false }),
  company: (key: string): FieldSpec => ({ key, kind: 'company', required: false }),
  date: (key: string): FieldSpec => ({ key, kind: 'date', required: false }),
  virtual: (key: string): FieldSpec => ({ key, kind: 'virtual', required: false }),
};

export const LEAD_CREATED = buildSpec({
  name: 'crm.lead.created',
  method: 'leadCreated',
  body: 'Lead Created',
  example: 'an object such as { id, source }',
  fields: [f.id('id'), f.label('source', true), f.number('score', SCORE_RULE), f.email('email'), f.company('company')],
  labels: {
    source: { field: 'source', source: { kind: 'set', set: 'sources' } },
    score_range: { field: 'score', source: { kind: 'map', values: SCORE_RANGES, index: scoreRangeIndex } },
  },
  metrics: [{ name: METRIC.leadsCreated, labels: ['source', 'score_range'] }],
  span: [['crm.lead.id', 'id', 'id']],
  log: [
    ['crm.lead.score_range', null, 'score_range'],
    ['crm.lead.id', 'id'],
    ['crm.lead.source', 'source', 'source'],
    ['crm.lead.score', 'score'],
    ['crm.lead.email', 'email'],
    ['crm.lead.company', 'company'],
  ],
});

export const LEAD_CONVERTED = buildSpec({
  name: 'crm.lead.converted',
  method: 'leadConverted',
  body: 'Lead Converted to Prospect',
  example: 'an object such as { leadId, prospectId, source }',
  fields: [f.id('leadId'), f.id('prospectId'), f.label('source', false)],
  labels: { source: { field: 'source', source: { kind: 'set', set: 'sources' } } },
  metrics: [
    { name: METRIC.leadConversions, labels: ['source'] },
    { name: METRIC.prospectsCreated, labels: ['source'] },
  ],
  span: [
    ['crm.lead.id', 'leadId', 'id'],
    ['crm.prospect.id', 'prospectId', 'id'],
  ],
  log: [
    ['crm.lead.id', 'leadId'],
    ['crm.prospect.id', 'prospectId'],
    ['crm.lead.source', 'source', 'source'],
  ],
});

export const OPPORTUNITY_CREATED = buildSpec({
  name: 'crm.opportunity.created',
  method: 'opportunityCreated',
  body: 'Opportunity Created',
  example: 'an object such as { id, value, currency, stage }',
  fields: [
    f.id('id'),
    f.number('value', VALUE_RULE),
    f.label('currency', true, CURRENCY_ACCEPTED),
    f.number('probability', PROBABILITY_RULE),
    f.date('expectedCloseDate'),
    f.label('stage', true),
  ],
  labels: {
    value_range: { field: 'value', source: { kind: 'map', values: VALUE_RANGES, index: valueRangeIndex } },
    stage: { field: 'stage', source: { kind: 'set', set: 'stages' } },
    currency: { field: 'currency', source: { kind: 'set', set: 'currencies' } },
  },
  metrics: [
    { name: METRIC.opportunitiesCreated, labels: ['value_range', 'stage', 'currency'] },
    { name: METRIC.opportunityValue, kind: 'histogram', labels: ['stage', 'currency'], value: 'value' },
  ],
  span: [['crm.opportunity.id', 'id', 'id']],
  log: [
    ['crm.opportunity.value_range', null, 'value_range'],
    ['crm.opportunity.id', 'id'],
    ['crm.opportunity.value', 'value'],
    ['crm.opportunity.currency', 'currency', 'currency'],
    ['crm.opportunity.probability', 'probability'],
    ['crm.opportunity.expected_close_date', 'expectedCloseDate'],
    ['crm.opportunity.stage', 'stage', 'stage'],
  ],
});

export const OPPORTUNITY_STAGE_CHANGED = buildSpec({
  name: 'crm.opportunity.stage_changed',
  method: 'opportunityStageChanged',
  body: 'Opportunity Stage Changed',
  example: 'an object such as { id, from, to, value }',
  fields: [f.id('id'), f.label('from', true), f.label('to', true), f.number('value', VALUE_RULE), f.label('currency', false, CURRENCY_ACCEPTED)],
  labels: {
    from_stage: { field: 'from', source: { kind: 'set', set: 'stages' } },
    to_stage: { field: 'to', source: { kind: 'set', set: 'stages' } },
    currency: { field: 'currency', source: { kind: 'set', set: 'currencies' } },
  },
  metrics: [{ name: METRIC.stageChanges, labels: ['from_stage', 'to_stage'] }],
  span: [
    ['crm.opportunity.id', 'id', 'id'],
    ['crm.opportunity.to_stage', 'to_stage', 'label'],
  ],
  log: [
    ['crm.opportunity.id', 'id'],
    ['crm.opportunity.from_stage', 'from', 'from_stage'],
    ['crm.opportunity.to_stage', 'to', 'to_stage'],
    ['crm.opportunity.value', 'value'],
    ['crm.opportunity.currency', 'currency', 'currency', true],
  ],
});

export const OPPORTUNITY_CLOSED = buildSpec({
  name: 'crm.opportunity.closed',
  method: 'opportunityClosed',
  body: 'Opportunity Closed',
  example: 'an object such as { id, outcome, value }',
  fields: [f.id('id'), { key: 'outcome', kind: 'outcome', required: true }, f.number('value', VALUE_RULE), f.label('currency', false, CURRENCY_ACCEPTED)],
  labels: {
    outcome: { field: 'outcome', source: { kind: 'map', values: ['won', 'lost'], index: (o: string) => (o === 'won' ? 0 : 1) } },
    currency: { field: 'currency', source: { kind: 'set', set: 'currencies', missing: 'defaultCurrency' } },
  },
  metrics: [
    { name: METRIC.opportunitiesClosed, labels: ['outcome', 'currency'] },
    { name: METRIC.opportunityClosedValue, kind: 'histogram', labels: ['outcome', 'currency'], value: 'value' },
  ],
  span: [
    ['crm.opportunity.id', 'id', 'id'],
    ['crm.opportunity.outcome', 'outcome', 'raw'],
  ],
  log: [
    ['crm.opportunity.outcome', null, 'outcome'],
    ['crm.opportunity.id', 'id'],
    ['crm.opportunity.value', 'value'],
    ['crm.opportunity.currency', 'currency', 'currency', true],
  ],
});

// syncCompleted: processed - successful - failed are counted as skipped.
const PROCESSED = 1;
const SUCCESSFUL = 2;
const FAILED = 3;
const SKIPPED = 5;

export const SYNC_COMPLETED = buildSpec({
  name: 'crm.sync.completed',
  method: 'syncCompleted',
  body: 'Data Synchronization Completed',
  example: 'an object such as { source, processed, successful, failed, durationMs }',
  fields: [
    f.label('source', true),
    f.number('processed', COUNT_RULE),
    f.number('successful', COUNT_RULE),
    f.number('failed', COUNT_RULE),
    f.number('durationMs', DURATION_RULE),
    f.virtual('skipped'),
  ],
  derive(v, r) {
    const processed = v[PROCESSED] as number | undefined;
    const successful = v[SUCCESSFUL] as number | undefined;
    const failed = v[FAILED] as number | undefined;
    if (processed === undefined || successful === undefined || failed === undefined) return;
    if (successful + failed > processed) {
      r.reject('processed', processed, 'out_of_range', `at least successful + failed (${successful + failed})`);
      v[PROCESSED] = undefined;
    } else if (processed > successful + failed) {
      v[SKIPPED] = processed - successful - failed;
    }
  },
  labels: {
    source: { field: 'source', source: { kind: 'set', set: 'sources' } },
    success: { as: 'status', source: { kind: 'const', value: 'success' } },
    failed: { as: 'status', source: { kind: 'const', value: 'failed' } },
    skipped: { as: 'status', source: { kind: 'const', value: 'skipped' } },
  },
  metrics: [
    { name: METRIC.leadSync, labels: ['source', 'success'], value: 'successful' },
    { name: METRIC.leadSync, labels: ['source', 'failed'], value: 'failed' },
    { name: METRIC.leadSync, labels: ['source', 'skipped'], value: 'skipped' },
    { name: METRIC.leadSyncDuration, kind: 'histogram', labels: ['source'], value: 'durationMs', divide: 1000 },
  ],
  span: [
    ['crm.sync.source', 'source', 'label'],
    ['crm.sync.failed', 'failed', 'raw'],
  ],
  log: [
    ['crm.sync.source', 'source', 'source'],
    ['crm.sync.processed', 'processed'],
    ['crm.sync.successful', 'successful'],
    ['crm.sync.failed', 'failed'],
    ['crm.sync.duration_ms', 'durationMs'],
  ],
});

// operationFailed: the error_type label is the errorType override, else the thrown value's type.
const ERROR = 1;
const ERROR_TYPE = 2;
const TYPE = 4;

export const OPERATION_FAILED = buildSpec({
  name: 'crm.operation.failed',
  method: 'operationFailed',
  severity: SeverityNumber.ERROR,
  body: 'Operation Failed',
  example: 'an object such as { operation, error, context }',
  fields: [
    f.label('operation', true),
    { key: 'error', kind: 'error', required: true },
    { key: 'errorType', kind: 'name', required: false, accepted: 'a non-empty string' },
    { key: 'context', kind: 'context', required: false },
    f.virtual('type'),
  ],
  derive(v) {
    v[TYPE] = (v[ERROR_TYPE] as string | undefined) ?? (v[ERROR] as ErrorInfo | undefined)?.type;
  },
  labels: {
    operation: { field: 'operation', source: { kind: 'set', set: 'operations' } },
    error_type: { field: 'type', source: { kind: 'set', set: 'errorTypes' } },
  },
  metrics: [{ name: METRIC.operationErrors, labels: ['operation', 'error_type'] }],
  span: [
    ['crm.operation.name', 'operation', 'label'],
    ['error.type', 'error_type', 'label'],
  ],
  log: [
    ['error.type', null, 'error_type'],
    ['crm.operation.name', 'operation', 'operation'],
    ['exception', 'error'],
    ['crm.context', 'context'],
  ],
});

// ---- Security and audit events: event names crm.audit.*, routed to the crm-audit-* indices ----

/** Sign-in methods (the `method` label of auth_attempts_total). */
export const AUTH_METHODS: readonly string[] = ['password', 'sso', 'oauth', 'saml', 'magic_link', 'api_key', 'mfa', 'passkey'];
/** Why a sign-in failed (the `reason` on the log record and span event). */
export const AUTH_FAILURE_REASONS: readonly string[] = [
  'invalid_credentials', 'unknown_user', 'locked', 'disabled', 'expired', 'mfa_failed', 'rate_limited', 'not_authorized',
];
/** Record types an audit event is about (the `target_type` label). */
export const AUDIT_TARGETS: readonly string[] = [
  'lead', 'prospect', 'contact', 'account', 'opportunity', 'ticket', 'user', 'role', 'report', 'settings', 'integration', 'api_key',
];
/** Actions a permission check guards (the `action` label of permission_denied_total). */
export const AUDIT_ACTIONS: readonly string[] = ['read', 'create', 'update', 'delete', 'export', 'import', 'admin'];
/** Export formats. */
export const EXPORT_FORMATS: readonly string[] = ['csv', 'xlsx', 'json', 'pdf', 'api'];

const list = (values: readonly string[]) => ({ kind: 'list', values }) as const;
const result = (value: string) => ({ as: 'result', source: { kind: 'const', value } }) as const;

export const SIGN_IN_SUCCEEDED = buildSpec({
  name: 'crm.audit.sign_in.succeeded',
  method: 'signInSucceeded',
  body: 'Sign-in Succeeded',
  example: 'an object such as { actorId, method }',
  fields: [f.actor('actorId'), f.label('method', true)],
  labels: { result: result('success'), method: { field: 'method', source: list(AUTH_METHODS) } },
  metrics: [{ name: METRIC.authAttempts, labels: ['result', 'method'] }],
  span: [['crm.auth.method', 'method', 'label']],
  log: [
    ['crm.audit.actor', 'actorId'],
    ['crm.auth.method', 'method', 'method'],
  ],
});

export const SIGN_IN_FAILED = buildSpec({
  name: 'crm.audit.sign_in.failed',
  method: 'signInFailed',
  severity: SeverityNumber.WARN,
  body: 'Sign-in Failed',
  example: 'an object such as { method, reason, actorId }',
  // actorId optional: a failed sign-in may name nobody that exists.
  fields: [{ key: 'actorId', kind: 'actor', required: false }, f.label('method', true), f.label('reason', true)],
  labels: {
    result: result('failure'),
    method: { field: 'method', source: list(AUTH_METHODS) },
    reason: { field: 'reason', source: list(AUTH_FAILURE_REASONS) },
  },
  metrics: [{ name: METRIC.authAttempts, labels: ['result', 'method'] }],
  span: [
    ['crm.auth.method', 'method', 'label'],
    ['crm.auth.reason', 'reason', 'label'],
  ],
  log: [
    ['crm.audit.actor', 'actorId'],
    ['crm.auth.method', 'method', 'method'],
    ['crm.auth.reason', 'reason', 'reason'],
  ],
});

/** The actor / target / action shape of the audit events. */
function auditSpec(name: string, method: string, body: string, action: string | null, extra: readonly FieldSpec[], extraLog: readonly (readonly [string, string])[]) {
  return buildSpec({
    name,
    method,
    severity: action === null ? SeverityNumber.WARN : SeverityNumber.INFO,
    body,
    example: `an object such as { actorId, targetType, targetId${action === null ? ', action' : ''} }`,
    fields: [f.actor('actorId'), f.label('targetType', true), f.id('targetId', false), ...(action === null ? [f.label('action', true)] : []), ...extra],
    labels: {
      action: action === null ? { field: 'action', source: list(AUDIT_ACTIONS) } : { source: { kind: 'const', value: action } },
      target_type: { field: 'targetType', source: list(AUDIT_TARGETS) },
    },
    metrics: [{ name: action === null ? METRIC.permissionDenied : METRIC.auditEvents, labels: ['action', 'target_type'] }],
    span: [
      ['crm.audit.action', 'action', 'label'],
      ['crm.audit.target.type', 'target_type', 'label'],
      ['crm.audit.target.id', 'targetId', 'id'],
    ],
    log: [
      ['crm.audit.actor', 'actorId'],
      ['crm.audit.action', action === null ? 'action' : null, 'action'],
      ['crm.audit.target.type', 'targetType', 'target_type'],
      ['crm.audit.target.id', 'targetId'],
      ...extraLog,
    ],
  });
}

export const PERMISSION_DENIED = auditSpec('crm.audit.permission.denied', 'permissionDenied', 'Permission Denied', null, [], []);
export const RECORD_EXPORTED = auditSpec(
  'crm.audit.record.exported',
  'recordExported',
  'Records Exported',
  'export',
  [f.number('recordCount', OPTIONAL_COUNT_RULE), { key: 'format', kind: 'text', required: false }],
  [
    ['crm.audit.record_count', 'recordCount'],
    ['crm.audit.format', 'format'],
  ],
);
export const RECORD_DELETED = auditSpec('crm.audit.record.deleted', 'recordDeleted', 'Record Deleted', 'delete', [], []);
export const SETTINGS_CHANGED = auditSpec('crm.audit.settings.changed', 'settingsChanged', 'Settings Changed', 'settings_change', [f.text('setting')], [
  ['crm.audit.setting', 'setting'],
]);
