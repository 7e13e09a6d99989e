// OTLP protobuf messages through OpenTelemetry's own generated codecs (otlp-proto-codec =
// @opentelemetry/otlp-transformer 0.212, whose generated codecs know LogRecord.event_name).
// The package exports no codec API, so this is the one deep import of its generated root.
import { createRequire } from 'node:module';

export interface OtlpCodec {
  decode(bytes: Uint8Array): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  fromObject(object: Record<string, unknown>): unknown;
  toObject(message: unknown, options: Record<string, unknown>): Record<string, unknown>;
}

const require = createRequire(import.meta.url);
const root = require('otlp-proto-codec/build/src/generated/root') as {
  opentelemetry: { proto: { collector: Record<string, Record<string, Record<string, OtlpCodec>>> } };
};
const collector = root.opentelemetry.proto.collector;

function codec(signal: string, message: string): OtlpCodec {
  const c = collector[signal]?.['v1']?.[message];
  if (!c) throw new Error(`otlp-proto-codec has no opentelemetry.proto.collector.${signal}.v1.${message}`);
  return c;
}

/** The export request message of each OTLP/HTTP path. */
export const OTLP_CODECS = {
  '/v1/traces': codec('trace', 'ExportTraceServiceRequest'),
  '/v1/metrics': codec('metrics', 'ExportMetricsServiceRequest'),
  '/v1/logs': codec('logs', 'ExportLogsServiceRequest'),
} as const;

export type OtlpPath = keyof typeof OTLP_CODECS;

export function isOtlpPath(path: string): path is OtlpPath {
  return Object.hasOwn(OTLP_CODECS, path);
}
