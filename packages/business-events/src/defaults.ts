// Default allow-lists and the metric names (the Prometheus names are the contract with
// dashboards and alert rules: do not rename).

/** Lead and sync sources: the seeds' integrations plus common marketing channels. */
export const DEFAULT_SOURCES: readonly string[] = [
  'halopsa', 'apollo', 'zoominfo', 'linkedin', 'manual', 'import',
  'website', 'referral', 'email_campaign', 'partner', 'event',
  'hubspot', 'salesforce', 'cold_call', 'advertising', 'social_media', 'webinar', 'api',
];

/** Common B2B pipeline stages. */
export const DEFAULT_STAGES: readonly string[] = [
  'lead', 'prospecting', 'discovery', 'qualification', 'needs_analysis', 'demo',
  'value_proposition', 'proposal', 'negotiation', 'contract', 'closed_won', 'closed_lost',
];

/** Operations whose failures are counted. */
export const DEFAULT_OPERATIONS: readonly string[] = [
  'lead_create', 'lead_update', 'lead_convert', 'lead_sync', 'lead_enrichment', 'lead_scoring',
  'prospect_create', 'opportunity_create', 'opportunity_update', 'opportunity_close',
  'contact_sync', 'account_sync', 'ticket_sync', 'data_import', 'data_export',
  'email_send', 'webhook_delivery', 'webhook_receive', 'api_request', 'db_query', 'auth', 'report',
];

/** ISO 4217 codes most CRM deals are in. */
export const DEFAULT_CURRENCIES: readonly string[] = [
  'USD', 'EUR', 'GBP', 'CAD', 'AUD', 'NZD', 'CHF', 'JPY', 'CNY', 'HKD', 'SGD', 'INR',
  'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'BRL', 'MXN', 'ZAR', 'AED', 'VND',
];

export const METRIC = {
  leadsCreated: 'leads_created_total',
  leadConversions: 'lead_conversions_total',
  prospectsCreated: 'prospects_created_total',
  opportunitiesCreated: 'opportunities_created_total',
  opportunityValue: 'opportunity_value',
  stageChanges: 'opportunity_stage_changes_total',
  opportunitiesClosed: 'opportunities_closed_total',
  opportunityClosedValue: 'opportunity_closed_value',
  leadSync: 'lead_sync_total',
  leadSyncDuration: 'lead_sync_duration_seconds',
  operationErrors: 'business_operation_errors_total',
  rejected: 'business_events_rejected_total',
  authAttempts: 'auth_attempts_total',
  permissionDenied: 'permission_denied_total',
  auditEvents: 'audit_events_total',
} as const;

/** Histogram boundaries for deal values: the value_range edges, then larger deals. */
export const VALUE_BUCKETS: readonly number[] = [
  5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000,
];

/** Histogram boundaries for sync durations in seconds (1 s to 1 h). */
export const SYNC_DURATION_BUCKETS: readonly number[] = [
  0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];

export const SCOPE_NAME = '@crm/business-events';
export const SCOPE_VERSION = '0.1.0';

/** Label value for an input that failed validation (the rejection is counted separately). */
export const UNKNOWN = 'unknown';
/** Label value for a valid input that is not in the allow-list (a warning names it once). */
export const OTHER = 'other';
