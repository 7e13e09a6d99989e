// The engine behind the module-level functions and defineEvent's events: created on first use so
// that CRM_EVENTS_* set by the application before its first event apply; configure() replaces it.

import { resolveConfig } from './config.js';
import { BusinessEventsImpl } from './events.js';
import type { BusinessEventsOptions } from './types.js';

let current: BusinessEventsImpl | undefined;

export function instance(): BusinessEventsImpl {
  return (current ??= new BusinessEventsImpl(resolveConfig({})));
}

export function replaceInstance(options: BusinessEventsOptions): void {
  current = new BusinessEventsImpl(resolveConfig(options));
}
