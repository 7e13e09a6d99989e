// The OpenTelemetry SDK in this process with in-memory exporters, for unit tests of code that
// records through the global API (@crm/business-events): providers set before the file's tests,
// a fresh MeterProvider and empty span and log exporters before each test.
import { after, before, beforeEach } from 'node:test';
import { context, logs, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type SpanLimits } from '@opentelemetry/sdk-trace';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';

export interface InMemorySdk {
  readonly spans: InMemorySpanExporter;
  readonly records: InMemoryLogRecordExporter;
  /** The current MeterProvider's reader (cumulative; collect() to read). */
  readonly reader: PeriodicExportingMetricReader;
  /** Replaces the global MeterProvider (the events re-resolve instruments when it changes). */
  freshMeterProvider(): void;
  /** [attributes, value] of each data point of the metric `name`. */
  series(name: string): Promise<[Record<string, unknown>, unknown][]>;
  /** Runs fn with no global LoggerProvider (traces and metrics stay), then sets this one again. */
  withoutLoggerProvider(fn: () => void): void;
}

export interface InMemorySdkOptions {
  spanLimits?: SpanLimits;
  /** Log record processors placed before the in-memory exporter's. */
  logProcessors?: LogRecordProcessor[];
}

export function useInMemorySdk({ spanLimits, logProcessors = [] }: InMemorySdkOptions = {}): InMemorySdk {
  const spans = new InMemorySpanExporter();
  const records = new InMemoryLogRecordExporter();
  let reader: PeriodicExportingMetricReader | undefined;
  let meterProvider: MeterProvider | undefined;
  let loggerProvider: LoggerProvider | undefined;
  const sdk: InMemorySdk = {
    spans,
    records,
    get reader() {
      if (!reader) throw new Error('the MeterProvider is set in beforeEach()');
      return reader;
    },
    freshMeterProvider() {
      metrics.disable();
      reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
      meterProvider = new MeterProvider({ readers: [reader] });
      metrics.setGlobalMeterProvider(meterProvider);
    },
    async series(name) {
      const { resourceMetrics } = await sdk.reader.collect();
      return resourceMetrics.scopeMetrics
        .flatMap((s) => s.metrics)
        .filter((m) => m.descriptor.name === name)
        .flatMap((m) => m.dataPoints.map((p): [Record<string, unknown>, unknown] => [p.attributes, p.value]));
    },
    withoutLoggerProvider(fn) {
      if (!loggerProvider) throw new Error('the LoggerProvider is set in before()');
      logs.disable();
      try {
        fn();
      } finally {
        logs.setGlobalLoggerProvider(loggerProvider);
      }
    },
  };
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })], ...(spanLimits ? { spanLimits } : {}) }));
    loggerProvider = new LoggerProvider({ processors: [...logProcessors, new SimpleLogRecordProcessor({ exporter: records })] });
    logs.setGlobalLoggerProvider(loggerProvider);
  });
  beforeEach(() => {
    sdk.freshMeterProvider();
    spans.reset();
    records.reset();
  });
  after(async () => {
    await meterProvider?.shutdown();
    metrics.disable();
  });
  return sdk;
}
