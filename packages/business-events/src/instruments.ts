// Instruments from the global MeterProvider, created lazily by name and cached, shared by every
// BusinessEvents instance of this module copy (so equal label sets are one series). The global
// MeterProvider is not a proxy: an SDK registered after this library was loaded gets a new
// provider object, so every call compares the provider by identity (cheap) and starts a new set
// of instruments when it changed.

import { createNoopMeter, metrics } from '@opentelemetry/api';
import type { Histogram, Meter, MeterProvider } from '@opentelemetry/api';
import { FastCounter } from './counter-store.js';
import { METRIC, SCOPE_NAME, SCOPE_VERSION, SYNC_DURATION_BUCKETS, VALUE_BUCKETS } from './defaults.js';

export interface MetricDef {
  kind: 'counter' | 'histogram';
  description: string;
  unit?: string;
  buckets?: readonly number[];
}

const valueHistogram = (description: string): MetricDef => ({ kind: 'histogram', description, buckets: VALUE_BUCKETS });
const counter = (description: string): MetricDef => ({ kind: 'counter', description });

/** Every metric name the events feed: the built-in ones, then those of defineEvent. */
export const METRIC_DEFS = new Map<string, MetricDef>([
  [METRIC.leadsCreated, counter('Total number of leads created')],
  [METRIC.leadConversions, counter('Total number of leads converted to prospects')],
  [METRIC.prospectsCreated, counter('Total number of prospects created')],
  [METRIC.opportunitiesCreated, counter('Total number of opportunities created')],
  // No unit on value histograms: the currency is a label, and a unit could add a name suffix downstream.
  [METRIC.opportunityValue, valueHistogram('Value of created opportunities, in their currency')],
  [METRIC.stageChanges, counter('Total number of opportunity stage changes')],
  [METRIC.opportunitiesClosed, counter('Total number of opportunities closed, by outcome')],
  [METRIC.opportunityClosedValue, valueHistogram('Value of closed opportunities, in their currency (the _sum is the closed revenue)')],
  [METRIC.leadSync, counter('Total number of lead records synchronized, by outcome')],
  // Unit "s" matches the _seconds suffix already in the name, so no exporter appends another one.
  [METRIC.leadSyncDuration, { kind: 'histogram', description: 'Duration of lead synchronization runs in seconds', unit: 's', buckets: SYNC_DURATION_BUCKETS }],
  [METRIC.operationErrors, counter('Total number of failed business operations')],
  [METRIC.rejected, counter('Business event fields rejected as invalid, by event and reason')],
  [METRIC.authAttempts, counter('Sign-in attempts, by result and method')],
  [METRIC.permissionDenied, counter('Actions refused for lack of permission, by action and target type')],
  [METRIC.auditEvents, counter('Audited changes (exports, deletions, settings changes), by action and target type')],
]);

const EAGER = [...METRIC_DEFS.keys()].slice(0, 12);

export type Instrument = FastCounter | Histogram;

export class Instruments {
  private readonly byName = new Map<string, Instrument>();
  readonly rejected: FastCounter;

  /** `active` false: the global provider is the no-op one, callers skip metric work entirely. */
  constructor(
    private readonly meter: Meter,
    readonly active: boolean,
  ) {
    // The first twelve (the events of 0.1) are created up front, as they always were; the others on first use.
    for (const name of EAGER) this.get(name);
    this.rejected = this.get(METRIC.rejected) as FastCounter;
  }

  /** The instrument of a metric in METRIC_DEFS, created on first use. */
  get(name: string): Instrument {
    let instrument = this.byName.get(name);
    if (instrument === undefined) {
      const def = METRIC_DEFS.get(name) ?? counter(name);
      if (def.kind === 'counter') instrument = new FastCounter(this.meter, name, def.description);
      else {
        instrument = this.meter.createHistogram(name, {
          description: def.description,
          ...(def.unit !== undefined ? { unit: def.unit } : {}),
          ...(def.buckets !== undefined ? { advice: { explicitBucketBoundaries: [...def.buckets] } } : {}),
        });
      }
      this.byName.set(name, instrument);
    }
    return instrument;
  }
}

const NOOP_METER = createNoopMeter();
export const NOOP_INSTRUMENTS = new Instruments(NOOP_METER, false);

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
      this.current = new Instruments(meter, meter !== NOOP_METER);
    }
    return this.current;
  }
}

/** The one cache of this module copy. */
export const instrumentCache = new InstrumentCache();
