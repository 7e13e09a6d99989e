// OTLP exporters by signal and protocol. Each package is required only when
// chosen, and only at the first export: the protobuf, JSON and gRPC stacks cost
// start-up time, and the first batch leaves seconds after the app has started.
// URL, timeout and compression are given as options (validated in config.ts and otlp-env.ts);
// headers and certificates the exporters read from the OTEL_EXPORTER_OTLP_* variables themselves.
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { ExportResult } from '@opentelemetry/core';
import type { OtlpProtocol, OtlpSignalConfig } from './config';

interface ExporterOptions {
  url: string;
  timeoutMillis: number;
  compression: OtlpSignalConfig['compression'];
}
type Ctor<T> = new (config: ExporterOptions) => T;

const TRACE: Record<OtlpProtocol, () => Ctor<SpanExporter>> = {
  'http/protobuf': () => require('@opentelemetry/exporter-trace-otlp-proto').OTLPTraceExporter,
  'http/json': () => require('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter,
  grpc: () => require('@opentelemetry/exporter-trace-otlp-grpc').OTLPTraceExporter,
};
const METRIC: Record<OtlpProtocol, () => Ctor<PushMetricExporter>> = {
  'http/protobuf': () => require('@opentelemetry/exporter-metrics-otlp-proto').OTLPMetricExporter,
  'http/json': () => require('@opentelemetry/exporter-metrics-otlp-http').OTLPMetricExporter,
  grpc: () => require('@opentelemetry/exporter-metrics-otlp-grpc').OTLPMetricExporter,
};
const LOG: Record<OtlpProtocol, () => Ctor<LogRecordExporter>> = {
  'http/protobuf': () => require('@opentelemetry/exporter-logs-otlp-proto').OTLPLogExporter,
  'http/json': () => require('@opentelemetry/exporter-logs-otlp-http').OTLPLogExporter,
  grpc: () => require('@opentelemetry/exporter-logs-otlp-grpc').OTLPLogExporter,
};

interface Exporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Builds the real exporter on first use; shutting down an unused one loads nothing. */
function lazy<T, E extends Exporter<T>>(make: () => E): Exporter<T> {
  let inner: E | undefined;
  const get = (): E => (inner ??= make());
  return {
    export: (items, cb) => get().export(items, cb),
    forceFlush: () => (inner?.forceFlush ? inner.forceFlush() : Promise.resolve()),
    shutdown: () => (inner ? inner.shutdown() : Promise.resolve()),
  };
}

const options = (c: OtlpSignalConfig): ExporterOptions => ({ url: c.url, timeoutMillis: c.timeoutMillis, compression: c.compression });

export function otlpTraceExporter(c: OtlpSignalConfig): SpanExporter {
  return lazy(() => new (TRACE[c.protocol]())(options(c))) as SpanExporter;
}

export function otlpLogExporter(c: OtlpSignalConfig): LogRecordExporter {
  return lazy(() => new (LOG[c.protocol]())(options(c))) as LogRecordExporter;
}

/** Metrics are pushed on a timer too, but the reader asks the exporter for its temporality up front. */
export function otlpMetricExporter(c: OtlpSignalConfig): PushMetricExporter {
  return new (METRIC[c.protocol]())(options(c));
}
