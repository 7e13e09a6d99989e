// OTLP exporters by signal and protocol. Each package is required only when
// chosen: the protobuf, JSON and gRPC stacks each cost start-up time.
// Headers, timeouts and compression still come from the standard OTEL_EXPORTER_OTLP_* variables.
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { OtlpProtocol, OtlpSignalConfig } from './config';

type Ctor<T> = new (config: { url: string }) => T;

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

export function otlpTraceExporter(c: OtlpSignalConfig): SpanExporter {
  return new (TRACE[c.protocol]())({ url: c.url });
}

export function otlpMetricExporter(c: OtlpSignalConfig): PushMetricExporter {
  return new (METRIC[c.protocol]())({ url: c.url });
}

export function otlpLogExporter(c: OtlpSignalConfig): LogRecordExporter {
  return new (LOG[c.protocol]())({ url: c.url });
}
