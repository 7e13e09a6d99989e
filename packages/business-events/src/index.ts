// @crm/business-events: one call per CRM business event feeds a Prometheus-named metric, an
// event on the active span and an OTel log record. Works with any OTel SDK registered globally
// (before or after this module loads) and is a cheap no-op without one.

import { resolveConfig } from './config.js';
import { BusinessEventsImpl } from './events.js';
import type {
  BusinessEvents,
  BusinessEventsOptions,
  LeadConvertedInput,
  LeadCreatedInput,
  OperationFailedInput,
  OpportunityClosedInput,
  OpportunityCreatedInput,
  OpportunityStageChangedInput,
  SyncCompletedInput,
} from './types.js';

export type * from './types.js';
export { DEFAULT_CURRENCIES, DEFAULT_OPERATIONS, DEFAULT_SOURCES, DEFAULT_STAGES, METRIC, OTHER, UNKNOWN } from './defaults.js';
export { SCORE_RANGES, VALUE_RANGES } from './ranges.js';

/** A separately configured set of event helpers (own allow-lists, strict mode and PII policy). */
export function createBusinessEvents(options: BusinessEventsOptions = {}): BusinessEvents {
  return new BusinessEventsImpl(resolveConfig(options));
}

let current: BusinessEvents | undefined;

function instance(): BusinessEvents {
  // Created on first use so that CRM_EVENTS_* set by the application before its first event apply.
  return (current ??= new BusinessEventsImpl(resolveConfig({})));
}

/** Replaces the configuration of the module-level functions (leadCreated, ...). */
export function configure(options: BusinessEventsOptions = {}): void {
  current = new BusinessEventsImpl(resolveConfig(options));
}

export function leadCreated(input: LeadCreatedInput): void {
  instance().leadCreated(input);
}
export function leadConverted(input: LeadConvertedInput): void {
  instance().leadConverted(input);
}
export function opportunityCreated(input: OpportunityCreatedInput): void {
  instance().opportunityCreated(input);
}
export function opportunityStageChanged(input: OpportunityStageChangedInput): void {
  instance().opportunityStageChanged(input);
}
export function opportunityClosed(input: OpportunityClosedInput): void {
  instance().opportunityClosed(input);
}
export function syncCompleted(input: SyncCompletedInput): void {
  instance().syncCompleted(input);
}
export function operationFailed(input: OperationFailedInput): void {
  instance().operationFailed(input);
}

/** The module-level functions as one object, e.g. `import { businessEvents } ...; businessEvents.leadCreated(...)`. */
export const businessEvents: BusinessEvents = {
  leadCreated,
  leadConverted,
  opportunityCreated,
  opportunityStageChanged,
  opportunityClosed,
  syncCompleted,
  operationFailed,
};
