// Issue 12: the app's /metrics names a metric as the Collector's prometheus exporter and Prometheus's
// OTLP ingestion do (unit suffix, _total on counters, _ratio on gauges in 1), so that one rule or
// dashboard reads it whichever path it took. The check against the real Collector and Prometheus is
// test/integration/prometheus-names.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prometheusName } from '@crm/otel-register/internal/prometheus-names';

const CASES: Array<[name: string, unit: string, kind: 'counter' | 'gauge' | 'other', expected: string]> = [
  ['http.server.request.duration', 's', 'other', 'http_server_request_duration_seconds'],
  ['http.client.request.duration', 's', 'other', 'http_client_request_duration_seconds'],
  ['db.client.operation.duration', 's', 'other', 'db_client_operation_duration_seconds'],
  ['v8js.gc.duration', 's', 'other', 'v8js_gc_duration_seconds'],
  ['v8js.memory.heap.used', 'By', 'other', 'v8js_memory_heap_used_bytes'],
  ['nodejs.eventloop.delay.p99', 's', 'gauge', 'nodejs_eventloop_delay_p99_seconds'],
  ['nodejs.eventloop.utilization', '1', 'gauge', 'nodejs_eventloop_utilization_ratio'],
  ['nodejs.eventloop.time', 's', 'counter', 'nodejs_eventloop_time_seconds_total'],
  ['db.client.connection.count', '{connection}', 'other', 'db_client_connection_count'],
  ['v8js.resource.active', '{resource}', 'gauge', 'v8js_resource_active'],
  ['http.server.request.body.size', 'By', 'other', 'http_server_request_body_size_bytes'],
  ['messages.rate', 'By/s', 'gauge', 'messages_rate_bytes_per_second'],
  ['queue.wait', 'ms', 'other', 'queue_wait_milliseconds'],
  ['cpu.share', '1', 'other', 'cpu_share'], // not a gauge: no _ratio (as the translators do)
  ['temperature', 'Cel', 'gauge', 'temperature_celsius'],
  ['odd.unit', 'widgets', 'gauge', 'odd_unit_widgets'],
  // Names already in Prometheus form, like the business events' series, are kept.
  ['leads_created_total', '', 'counter', 'leads_created_total'],
  ['crm_otel_dropped', '', 'counter', 'crm_otel_dropped_total'],
  ['lead_sync_duration_seconds', 's', 'other', 'lead_sync_duration_seconds'],
  ['opportunity_value', '', 'other', 'opportunity_value'],
  ['requests.total.served', '', 'counter', 'requests_served_total'],
  ['2xx.responses', '', 'counter', '_2xx_responses_total'],
];

test('OTel name, unit and kind give the Prometheus name the Collector and Prometheus give', () => {
  for (const [name, unit, kind, expected] of CASES) assert.equal(prometheusName(name, unit, kind), expected, `${name} (${unit || 'no unit'}, ${kind})`);
});

test('renaming is idempotent: a name already translated stays as it is', () => {
  for (const [, unit, kind, expected] of CASES) assert.equal(prometheusName(expected, unit, kind), expected, `${expected} (${unit}, ${kind})`);
});
