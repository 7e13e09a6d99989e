// Public input types of the business events, one interface per call.

/** A CRM record id: a non-empty string or a non-negative safe integer (HaloPSA uses integers). */
export type RecordId = string | number;

export interface LeadCreatedInput {
  id: RecordId;
  /** Where the lead came from; mapped through the `sources` allow-list (else `other`). */
  source: string;
  /** Company name: hashed, dropped or kept depending on `pii.company`. Never a metric label. */
  company?: string;
  /** Email: HMAC-SHA256 hashed or dropped (`pii.email`); never leaves in clear. */
  email?: string;
  /** Lead score from 0 to 100; gives `score_range` (low < 25 <= medium-low < 50 <= medium < 75 <= high < 90 <= very-high). */
  score?: number;
}

export interface LeadConvertedInput {
  leadId: RecordId;
  prospectId: RecordId;
  /** Source of the converted lead, so that conversion rates can be split by source; `unknown` if omitted. */
  source?: string;
}

export interface OpportunityCreatedInput {
  id: RecordId;
  /** Deal value in `currency` units, a finite number >= 0. */
  value: number;
  /** ISO 4217 code such as USD; mapped through the `currencies` allow-list (else `other`). */
  currency: string;
  /** Win probability from 0 to 1. */
  probability?: number;
  /** A Date or a date string that Date.parse accepts (ISO 8601 recommended). */
  expectedCloseDate?: Date | string;
  /** Pipeline stage; mapped through the `stages` allow-list (else `other`). */
  stage: string;
}

export interface OpportunityStageChangedInput {
  id: RecordId;
  from: string;
  to: string;
  /** Deal value at the time of the change (logged, not a label). */
  value: number;
  /** Currency of `value`; the configured default currency if omitted. */
  currency?: string;
}

export type OpportunityOutcome = 'won' | 'lost';

export interface OpportunityClosedInput {
  id: RecordId;
  outcome: OpportunityOutcome;
  value: number;
  /** The configured default currency (USD unless changed) if omitted. */
  currency?: string;
}

export interface SyncCompletedInput {
  /** Sync source (halopsa, apollo, zoominfo, ...); mapped through the `sources` allow-list. */
  source: string;
  /** Records looked at; processed - successful - failed are counted as `skipped`. */
  processed: number;
  successful: number;
  failed: number;
  durationMs: number;
}

export interface OperationFailedInput {
  /** Operation name; mapped through the `operations` allow-list (else `other`). */
  operation: string;
  /** What was thrown or returned: an Error, a string, or anything else. */
  error: unknown;
  /** Extra fields for the log record (`crm.context.<key>`): secret-named keys redacted, e-mails hashed in keys and values, nested values as JSON. */
  context?: Record<string, unknown>;
  /** Overrides the error_type label (by default: error.code such as ECONNRESET, else error.name). */
  errorType?: string;
}

/** A successful sign-in. */
export interface SignInSucceededInput {
  /** The user: written only as a keyed hash (crm.audit.actor_hash). */
  actorId: RecordId;
  /** How: password, sso, oauth, saml, magic_link, api_key, mfa, passkey (else `other`). */
  method: string;
}

/** A failed sign-in: counted in auth_attempts_total{result="failure"}; the alert AuthFailuresHigh watches it. */
export interface SignInFailedInput {
  /** The user tried, if known: written only as a keyed hash. */
  actorId?: RecordId;
  method: string;
  /** invalid_credentials, unknown_user, locked, disabled, expired, mfa_failed, rate_limited, not_authorized (else `other`). */
  reason: string;
}

/** Who did what to which record: the shape of the audit events. */
export interface AuditInput {
  /** The user who acted: written only as a keyed hash (crm.audit.actor_hash). */
  actorId: RecordId;
  /** lead, prospect, contact, account, opportunity, ticket, user, role, report, settings, integration, api_key (else `other`). */
  targetType: string;
  targetId?: RecordId;
}

export interface PermissionDeniedInput extends AuditInput {
  /** What was refused: read, create, update, delete, export, import, admin (else `other`). */
  action: string;
}

export interface RecordExportedInput extends AuditInput {
  recordCount?: number;
  /** csv, xlsx, json... (free text, scrubbed). */
  format?: string;
}

export type RecordDeletedInput = AuditInput;

export interface SettingsChangedInput extends AuditInput {
  /** Which setting (free text, scrubbed; never its value). */
  setting?: string;
}

/** Why an input field was rejected: the `reason` label of business_events_rejected_total. */
export type RejectionReason =
  | 'invalid_input'
  | 'missing_field'
  | 'wrong_type'
  | 'not_finite'
  | 'negative'
  | 'not_integer'
  | 'out_of_range'
  | 'unknown_outcome'
  | 'invalid_date'
  /** Reading the field threw (a getter or a Proxy trap): a field of the input, the thrown value, the context. */
  | 'unreadable';

/** Event names: the span event name, the log record's event.name and the `event` label of rejections. */
export type BusinessEventName =
  | 'crm.lead.created'
  | 'crm.lead.converted'
  | 'crm.opportunity.created'
  | 'crm.opportunity.stage_changed'
  | 'crm.opportunity.closed'
  | 'crm.sync.completed'
  | 'crm.operation.failed'
  | 'crm.audit.sign_in.succeeded'
  | 'crm.audit.sign_in.failed'
  | 'crm.audit.permission.denied'
  | 'crm.audit.record.exported'
  | 'crm.audit.record.deleted'
  | 'crm.audit.settings.changed';

export type PiiPolicy = 'hash' | 'drop';
export type CompanyPolicy = 'hash' | 'drop' | 'keep';

export interface BusinessEventsOptions {
  /** Allowed `source` label values (leads, conversions, syncs). Default: DEFAULT_SOURCES. */
  sources?: readonly string[];
  /** Allowed stage values (`stage`, `from_stage`, `to_stage`). Default: DEFAULT_STAGES. */
  stages?: readonly string[];
  /** Allowed `operation` label values. Default: DEFAULT_OPERATIONS. */
  operations?: readonly string[];
  /** Allowed `currency` label values (ISO 4217). Default: DEFAULT_CURRENCIES. */
  currencies?: readonly string[];
  /** Currency used when a call omits it (stage changes, closes). Default: USD. */
  defaultCurrency?: string;
  /** Distinct error_type label values kept before further ones become `other`. Default: 50. */
  maxErrorTypes?: number;
  /** Throw a TypeError on bad input instead of recording what is valid. Default: env CRM_EVENTS_STRICT, else false. */
  strict?: boolean;
  pii?: {
    /** Default: hash (HMAC-SHA256). */
    email?: PiiPolicy;
    /** Default: hash (HMAC-SHA256). */
    company?: CompanyPolicy;
    /** HMAC key (at least 16 characters). Default: env CRM_EVENTS_HASH_KEY, else a random per-process key. */
    hashKey?: string;
  };
  /** Where warnings go. Default: process.emitWarning with type CrmBusinessEventsWarning. */
  onWarning?: (message: string) => void;
  /** Environment to read CRM_EVENTS_* from. Default: process.env. */
  env?: Record<string, string | undefined>;
}

export interface BusinessEvents {
  leadCreated(input: LeadCreatedInput): void;
  leadConverted(input: LeadConvertedInput): void;
  opportunityCreated(input: OpportunityCreatedInput): void;
  opportunityStageChanged(input: OpportunityStageChangedInput): void;
  opportunityClosed(input: OpportunityClosedInput): void;
  syncCompleted(input: SyncCompletedInput): void;
  operationFailed(input: OperationFailedInput): void;
  signInSucceeded(input: SignInSucceededInput): void;
  signInFailed(input: SignInFailedInput): void;
  permissionDenied(input: PermissionDeniedInput): void;
  recordExported(input: RecordExportedInput): void;
  recordDeleted(input: RecordDeletedInput): void;
  settingsChanged(input: SettingsChangedInput): void;
}
