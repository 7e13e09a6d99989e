// Instruments from the global MeterProvider, created lazily and cached, shared by every
// BusinessEvents instance of this module copy (so equal label sets are one series). The global
// MeterProvider is not a proxy: an SDK registered after this library was loaded gets a new
// provider object, so every call compares the provider by identity (cheap) and re-creates the
// instruments when it changed.

import { createNoopMeter, metrics } from '@opentelemetry/api';
import type { Histogram, Meter, MeterProvider } from '@opentelemetry/api';
import { FastCounter } from './counter-store.js';
import { METRIC, SCOPE_NAME, SCOPE_VERSION, SYNC_DURATION_BUCKETS, VALUE_BUCKETS } from './defaults.js';

export interface Instruments {
  /** False when the global provider is the no-op one: callers skip metric work entirely. */
  active: boolean;
  leadsCreated: FastCounter;
  leadConversions: FastCounter;
  prospectsCreated: FastCounter;
  opportunitiesCreated: FastCounter;
  opportunityValue: Histogram;
  stageChanges: FastCounter;
  opportunitiesClosed: FastCounter;
  opportunityClosedValue: Histogram;
  leadSync: FastCounter;
  leadSyncDuration: Histogram;
  operationErrors: FastCounter;
  rejected: FastCounter;
}

function create(meter: Meter, active: boolean): Instruments {
  const valueAdvice = { advice: { explicitBucketBoundaries: [...VALUE_BUCKETS] } };
  return {
    active,
    leadsCreated: new FastCounter(meter, METRIC.leadsCreated, 'Total number of leads created'),
    leadConversions: new FastCounter(meter, METRIC.leadConversions, 'Total number of leads converted to prospects'),
    prospectsCreated: new FastCounter(meter, METRIC.prospectsCreated, 'Total number of prospects created'),
    opportunitiesCreated: new FastCounter(meter, METRIC.opportunitiesCreated, 'Total number of opportunities created'),
    // No unit on value histograms: the currency is a label, and a unit could add a name suffix downstream.
    opportunityValue: meter.createHistogram(METRIC.opportunityValue, { description: 'Value of created opportunities, in their currency', ...valueAdvice }),
    stageChanges: new FastCounter(meter, METRIC.stageChanges, 'Total number of opportunity stage changes'),
    opportunitiesClosed: new FastCounter(meter, METRIC.opportunitiesClosed, 'Total number of opportunities closed, by outcome'),
    opportunityClosedValue: meter.createHistogram(METRIC.opportunityClosedValue, {
      description: 'Value of closed opportunities, in their currency (the _sum is the closed revenue)',
      ...valueAdvice,
    }),
    leadSync: new FastCounter(meter, METRIC.leadSync, 'Total number of lead records synchronized, by outcome'),
    // Unit "s" matches the _seconds suffix already in the name, so no exporter appends another one.
    leadSyncDuration: meter.createHistogram(METRIC.leadSyncDuration, {
      description: 'Duration of lead synchronization runs in seconds',
      unit: 's',
      advice: { explicitBucketBoundaries: [...SYNC_DURATION_BUCKETS] },
    }),
    operationErrors: new FastCounter(meter, METRIC.operationErrors, 'Total number of failed business operations'),
    rejected: new FastCounter(meter, METRIC.rejected, 'Business event fields rejected as invalid, by event and reason'),
  };
}

const NOOP_METER = createNoopMeter();
export const NOOP_INSTRUMENTS: Instruments = create(NOOP_METER, false);

class InstrumentCache {
  private provider: MeterProvider | undefined;
  private current: Instruments = NOOP_INSTRUMENTS;

  /** The instruments of the current global MeterProvider. */
  get(): Instruments {
    const provider = metrics.getMeterProvider();
    if (provider !== this.provider) {
      // A provider that throws here leaves metrics off (no-op) until the global provider changes.
      this.provider = provider;
      this.current = NOOP_INSTRUMENTS;
      const meter = provider.getMeter(SCOPE_NAME, SCOPE_VERSION);
      this.current = create(meter, meter !== NOOP_METER);
    }
    return this.current;
  }
}

/** The one cache of this module copy. */
export const instrumentCache = new InstrumentCache();
