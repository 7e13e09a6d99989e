// Meter provider: the Prometheus endpoint (pull), optional OTLP push, and the
// register's own counters of what it had to drop.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type IMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { addWorkerMetrics, clusterWorkerReader, prometheusPort } from './cluster';
import type { Config } from './config';
import { warn } from './diagnostics';
import { globalApi } from './global-api';
import { ExportHealth, type DropLedger, type QueueGate } from './export-guard';
import { otlpMetricExporter } from './exporters';
import { usePrometheusNames } from './prometheus-names';
import { redactMetrics, type Redactor } from './redaction';

/** The Prometheus endpoint, serving every collection redacted and with Prometheus names. */
class RedactingPrometheusExporter extends PrometheusExporter {
  constructor(
    private readonly redactor: Redactor,
    ...args: ConstructorParameters<typeof PrometheusExporter>
  ) {
    super(...args);
  }

  override async collect(options?: Parameters<PrometheusExporter['collect']>[0]): ReturnType<PrometheusExporter['collect']> {
    const result = await super.collect(options);
    // A cluster's primary serves its workers' too (cluster.ts); they come as their SDK made them,
    // so anything that renames or rewrites the collection comes after this line.
    await addWorkerMetrics(result.resourceMetrics);
    redactMetrics(this.redactor, result.resourceMetrics);
    usePrometheusNames(result.resourceMetrics); // unit suffixes, as the Collector and Prometheus's OTLP ingestion name them
    return result;
  }
}

/** Counts the data points of failed pushes, warns once per outage. */
class GuardedMetricExporter implements PushMetricExporter {
  private readonly health: ExportHealth;
  constructor(
    private readonly inner: PushMetricExporter,
    target: string,
    private readonly ledger: DropLedger,
    private readonly redactor: Redactor,
  ) {
    this.health = new ExportHealth('metrics', target);
    if (inner.selectAggregationTemporality) this.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
    if (inner.selectAggregation) this.selectAggregation = inner.selectAggregation.bind(inner);
  }

  selectAggregationTemporality?: PushMetricExporter['selectAggregationTemporality'];
  selectAggregation?: PushMetricExporter['selectAggregation'];

  export(data: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const points = data.scopeMetrics.reduce((n, s) => n + s.metrics.reduce((m, metric) => m + metric.dataPoints.length, 0), 0);
    const attempt = this.health.begin();
    const done = (result: ExportResult): void => {
      if (result.code === ExportResultCode.SUCCESS) this.health.ok(attempt);
      else {
        this.ledger.add('metrics', 'export_failed', points);
        this.health.failed(result.error);
      }
      resultCallback(result);
    };
    try {
      this.inner.export(redactMetrics(this.redactor, data), done);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export function startMetrics(config: Config, resource: Resource, redactor: Redactor, ledger: DropLedger): MeterProvider {
  const readers: IMetricReader[] = [];
  const m = config.metrics;
  const pulledByPrimary = m.prometheus && clusterWorkerReader();
  if (pulledByPrimary) readers.push(pulledByPrimary);
  else if (m.prometheus) {
    const { host } = m.prometheus;
    const port = prometheusPort(m.prometheus.port);
    readers.push(
      new RedactingPrometheusExporter(redactor, { host, port }, (error) => {
        if (error) {
          warn(
            `the Prometheus endpoint could not listen on ${host}:${port} (${error.message}); set OTEL_EXPORTER_PROMETHEUS_PORT ` +
              'to a free port. The app keeps running; metrics are not exposed.',
          );
        }
      }),
    );
  }
  const push = (exporter: PushMetricExporter): PeriodicExportingMetricReader =>
    new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: m.exportIntervalMillis, exportTimeoutMillis: Math.min(m.exportTimeoutMillis, m.exportIntervalMillis) });
  if (m.otlp) ledger.seed('metrics', ['export_failed']);
  if (m.otlp) readers.push(push(new GuardedMetricExporter(otlpMetricExporter(m.otlp), m.otlp.url, ledger, redactor)));
  if (m.console) readers.push(push(new GuardedMetricExporter(new ConsoleMetricExporter(), 'console', ledger, redactor)));

  const provider = new MeterProvider({ resource, readers });
  globalApi().metrics.setGlobalMeterProvider(provider);
  return provider;
}

/** crm_otel_dropped_total{signal,reason}, crm_otel_queue_items{signal} and crm_otel_redaction_truncated_total. */
export function registerSelfMetrics(
  provider: MeterProvider,
  ledger: DropLedger,
  gates: Array<[string, QueueGate | undefined]>,
  redactor: Redactor,
): void {
  const meter = provider.getMeter('@crm/otel-register');
  meter
    .createObservableCounter('crm_otel_redaction_truncated', {
      description: 'Values cut before redaction: strings longer than CRM_OTEL_REDACT_MAX_LENGTH, structures deeper or larger than the bounds',
    })
    .addCallback((result) => result.observe(redactor.stats.truncated));
  meter
    .createObservableCounter('crm_otel_dropped', {
      description: 'Telemetry items the register had to drop (queue full, export failed), per signal and reason',
    })
    .addCallback((result) => {
      for (const e of ledger.entries()) result.observe(e.count, { signal: e.signal, reason: e.reason });
    });
  meter
    .createObservableGauge('crm_otel_queue_items', { description: 'Items waiting in the export queue, per signal' })
    .addCallback((result) => {
      for (const [signal, gate] of gates) if (gate) result.observe(gate.size, { signal });
    });
}
