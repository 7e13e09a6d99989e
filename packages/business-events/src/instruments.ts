// Instruments from the global MeterProvider, created lazily and cached. The global
// MeterProvider is not a proxy: an SDK registered after this library was loaded gets a new
// provider object, so every call compares the provider by identity (cheap) and re-creates the
// instruments when it changed.

import { createNoopMeter, metrics } from '@opentelemetry/api';
import type { Counter, Histogram, Meter, MeterProvider } from '@opentelemetry/api';
import { METRIC, SCOPE_NAME, SCOPE_VERSION, SYNC_DURATION_BUCKETS, VALUE_BUCKETS } from './defaults.js';

export interface Instruments {
  /** False when the global provider is the no-op one: callers skip metric work entirely. */
  active: boolean;
  leadsCreated: Counter;
  leadConversions: Counter;
  prospectsCreated: Counter;
  opportunitiesCreated: Counter;
  opportunityValue: Histogram;
  stageChanges: Counter;
  opportunitiesClosed: Counter;
  opportunityClosedValue: Histogram;
  leadSync: Counter;
  leadSyncDuration: Histogram;
  operationErrors: Counter;
  rejected: Counter;
}

function create(meter: Meter, active: boolean): Instruments {
  const valueAdvice = { advice: { explicitBucketBoundaries: [...VALUE_BUCKETS] } };
  return {
    active,
    leadsCreated: meter.createCounter(METRIC.leadsCreated, { description: 'Total number of leads created' }),
    leadConversions: meter.createCounter(METRIC.leadConversions, { description: 'Total number of leads converted to prospects' }),
    prospectsCreated: meter.createCounter(METRIC.prospectsCreated, { description: 'Total number of prospects created' }),
    opportunitiesCreated: meter.createCounter(METRIC.opportunitiesCreated, { description: 'Total number of opportunities created' }),
    // No unit on value histograms: the currency is a label, and a unit could add a name suffix downstream.
    opportunityValue: meter.createHistogram(METRIC.opportunityValue, { description: 'Value of created opportunities, in their currency', ...valueAdvice }),
    stageChanges: meter.createCounter(METRIC.stageChanges, { description: 'Total number of opportunity stage changes' }),
    opportunitiesClosed: meter.createCounter(METRIC.opportunitiesClosed, { description: 'Total number of opportunities closed, by outcome' }),
    opportunityClosedValue: meter.createHistogram(METRIC.opportunityClosedValue, {
      description: 'Value of closed opportunities, in their currency (the _sum is the closed revenue)',
      ...valueAdvice,
    }),
    leadSync: meter.createCounter(METRIC.leadSync, { description: 'Total number of lead records synchronized, by outcome' }),
    // Unit "s" matches the _seconds suffix already in the name, so no exporter appends another one.
    leadSyncDuration: meter.createHistogram(METRIC.leadSyncDuration, {
      description: 'Duration of lead synchronization runs in seconds',
      unit: 's',
      advice: { explicitBucketBoundaries: [...SYNC_DURATION_BUCKETS] },
    }),
    operationErrors: meter.createCounter(METRIC.operationErrors, { description: 'Total number of failed business operations' }),
    rejected: meter.createCounter(METRIC.rejected, { description: 'Business event fields rejected as invalid, by event and reason' }),
  };
}

const NOOP_METER = createNoopMeter();

export class InstrumentCache {
  private provider: MeterProvider | undefined;
  private current: Instruments = create(NOOP_METER, false);

  /** The instruments of the current global MeterProvider. */
  get(): Instruments {
    const provider = metrics.getMeterProvider();
    if (provider !== this.provider) {
      this.provider = provider;
      const meter = provider.getMeter(SCOPE_NAME, SCOPE_VERSION);
      this.current = create(meter, meter !== NOOP_METER);
    }
    return this.current;
  }
}
