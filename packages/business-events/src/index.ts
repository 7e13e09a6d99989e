// @crm/business-events: one call per CRM business event feeds a Prometheus-named metric, an
// event on the active span and an OTel log record. Works with any OTel SDK registered globally
// (before or after this module loads) and is a cheap no-op without one. Teams add their own
// events with defineEvent; the built-in ones are specs of the same table (builtin.ts).

import { resolveConfig } from './config.js';
import { instance, replaceInstance } from './current.js';
import { BusinessEventsImpl } from './events.js';
import type { BusinessEvents, BusinessEventsOptions } from './types.js';

export type * from './types.js';
export type { DefinedEvent, EventDefinition, EventInput, FieldDef, FieldKindName, FieldOptions } from './define.js';
export { defineEvent } from './define.js';
export { AUDIT_ACTIONS, AUDIT_TARGETS, AUTH_FAILURE_REASONS, AUTH_METHODS } from './builtin.js';
export { DEFAULT_CURRENCIES, DEFAULT_OPERATIONS, DEFAULT_SOURCES, DEFAULT_STAGES, METRIC, OTHER, UNKNOWN } from './defaults.js';
export { SCORE_RANGES, VALUE_RANGES } from './ranges.js';

/** A separately configured set of event helpers (own allow-lists, strict mode and PII policy). */
export function createBusinessEvents(options: BusinessEventsOptions = {}): BusinessEvents {
  return new BusinessEventsImpl(resolveConfig(options));
}

/** Replaces the configuration of the module-level functions (leadCreated, ...) and of defineEvent's events. */
export function configure(options: BusinessEventsOptions = {}): void {
  replaceInstance(options);
}

type Method = keyof BusinessEvents;
type Input<M extends Method> = Parameters<BusinessEvents[M]>[0];
/** The module-level function of a method: the current engine's method. */
const call =
  <M extends Method>(method: M) =>
  (input: Input<M>): void => {
    const events = instance();
    (events[method] as (this: BusinessEvents, input: Input<M>) => void).call(events, input);
  };

export const leadCreated = call('leadCreated');
export const leadConverted = call('leadConverted');
export const opportunityCreated = call('opportunityCreated');
export const opportunityStageChanged = call('opportunityStageChanged');
export const opportunityClosed = call('opportunityClosed');
export const syncCompleted = call('syncCompleted');
export const operationFailed = call('operationFailed');
export const signInSucceeded = call('signInSucceeded');
export const signInFailed = call('signInFailed');
export const permissionDenied = call('permissionDenied');
export const recordExported = call('recordExported');
export const recordDeleted = call('recordDeleted');
export const settingsChanged = call('settingsChanged');

/** The module-level functions as one object, e.g. `import { businessEvents } ...; businessEvents.leadCreated(...)`. */
export const businessEvents: BusinessEvents = {
  leadCreated,
  leadConverted,
  opportunityCreated,
  opportunityStageChanged,
  opportunityClosed,
  syncCompleted,
  operationFailed,
  signInSucceeded,
  signInFailed,
  permissionDenied,
  recordExported,
  recordDeleted,
  settingsChanged,
};
