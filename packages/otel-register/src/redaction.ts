// Applies @crm/redact to everything the SDK exports: span names, attributes (keys and values),
// status messages, events, links and tracestate; log bodies, attributes and event names; metric
// data point attributes. Runs in the span/log processors before the batch queue, and on each
// metric collection.
import type { TraceState } from '@opentelemetry/api';
import { createRedactor as createEngine, type Redactor } from '@crm/redact';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Config } from './config';

export { REDACTED, REDACTED_EMAIL, type Redactor } from '@crm/redact';

type Writable<T> = { -readonly [K in keyof T]: T[K] };
type Attributes = Record<string, unknown>;

export function createRedactor(cfg: Config['redaction']): Redactor {
  return createEngine({ headers: cfg.headers, queryKeys: cfg.queryKeys, emails: cfg.emails, paths: cfg.paths, maxLength: cfg.maxLength });
}

/** Entries whose key or value carries a secret are removed (a tracestate value cannot hold a marker). */
function cleanTraceState(r: Redactor, state: TraceState | undefined): TraceState | undefined {
  if (!state) return state;
  const serialized = state.serialize();
  if (r.text(serialized) === serialized) return state;
  let clean = state;
  for (const entry of serialized.split(',')) {
    const eq = entry.indexOf('=');
    const key = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    if (r.isSecretKey(key) || r.text(value) !== value || r.text(key) !== key) clean = clean.unset(key);
  }
  return clean;
}

/** Rewrites a finished span in place: the SDK hands us its own objects, a copy per span would cost more. */
export function redactSpan(r: Redactor, span: ReadableSpan): void {
  const w = span as Writable<ReadableSpan>;
  w.name = r.text(span.name);
  r.attributes(span.attributes as Attributes);
  if (span.status.message) w.status = { ...span.status, message: r.text(span.status.message) };
  for (const event of span.events) {
    (event as Writable<typeof event>).name = r.text(event.name);
    if (event.attributes) r.attributes(event.attributes as Attributes);
  }
  for (const link of span.links) {
    if (link.attributes) r.attributes(link.attributes as Attributes);
    link.context.traceState = cleanTraceState(r, link.context.traceState);
  }
  const context = span.spanContext();
  context.traceState = cleanTraceState(r, context.traceState);
}

export function redactLogRecord(r: Redactor, record: ReadWriteLogRecord): void {
  r.attributes(record.attributes as Attributes);
  if (record.body !== undefined) record.setBody(r.value('', record.body) as NonNullable<ReadWriteLogRecord['body']>);
  if (record.eventName) record.setEventName(r.text(record.eventName));
}

export function redactMetrics(r: Redactor, data: ResourceMetrics): ResourceMetrics {
  for (const scope of data.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints) r.attributes(point.attributes as Attributes);
    }
  }
  return data;
}
