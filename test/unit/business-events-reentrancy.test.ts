// Issue 13: an event recorded from inside a warning sink or a log processor while another call is
// in progress (state of a call used to live in instance fields) leaves the outer call intact:
// its span event name, log record (event name, body, rejected fields) and metric series.
import { before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, logs, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { createBusinessEvents, type BusinessEvents } from '@crm/business-events';

const spans = new InMemorySpanExporter();
const records = new InMemoryLogRecordExporter();
let reader: PeriodicExportingMetricReader;
/** Called by the log processor for each record emitted (set per test). */
let onRecord: (record: ReadWriteLogRecord) => void = () => {};

const hook: LogRecordProcessor = {
  onEmit: (record) => onRecord(record),
  forceFlush: async () => {},
  shutdown: async () => {},
};

before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }));
  logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [hook, new SimpleLogRecordProcessor({ exporter: records })] }));
});
beforeEach(() => {
  metrics.disable();
  reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  spans.reset();
  records.reset();
  onRecord = () => {};
});

async function series(name: string): Promise<{ attributes: Record<string, unknown>; value: unknown }[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value as unknown })));
}

function inSpan(fn: () => void) {
  const span = trace.getTracer('test').startSpan('handler');
  context.with(trace.setSpan(context.active(), span), fn);
  span.end();
  return spans.getFinishedSpans().at(-1)!;
}

test('an event recorded by the warning sink during a rejection leaves the outer call intact', async () => {
  let nested = 0;
  const ev: BusinessEvents = createBusinessEvents({
    env: {},
    onWarning: () => {
      nested++;
      ev.opportunityClosed({ id: 'O-9', outcome: 'lost', value: 10, currency: 'EUR' });
    },
  });
  const span = inSpan(() => ev.leadCreated({ id: 'L-1', source: 'halopsa', score: 500 }));
  assert.equal(nested, 1, 'the rejection of score warned once');
  assert.deepEqual(span.events.map((e) => e.name), ['crm.opportunity.closed', 'crm.lead.created']);
  assert.deepEqual(span.events[1]!.attributes, { 'crm.lead.id': 'L-1' });
  const [inner, outer] = records.getFinishedLogRecords();
  assert.equal(inner!.eventName, 'crm.opportunity.closed');
  assert.equal(inner!.attributes['crm.event.rejected_fields'], undefined, 'the inner call rejected nothing');
  assert.equal(outer!.eventName, 'crm.lead.created');
  assert.equal(outer!.body, 'Lead Created');
  assert.equal(outer!.severityText, 'INFO');
  assert.deepEqual(outer!.attributes['crm.event.rejected_fields'], ['score']);
  assert.equal(outer!.attributes['crm.lead.id'], 'L-1');
  const leads = await series('leads_created_total');
  assert.deepEqual(leads.map((p) => [p.attributes, p.value]), [[{ source: 'halopsa', score_range: 'unknown' }, 1]]);
  const rejected = await series('business_events_rejected_total');
  assert.deepEqual(rejected.map((p) => [p.attributes, p.value]), [[{ event: 'crm.lead.created', reason: 'out_of_range' }, 1]]);
  const closed = await series('opportunities_closed_total');
  assert.deepEqual(closed.map((p) => [p.attributes, p.value]), [[{ outcome: 'lost', currency: 'EUR' }, 1]]);
});

test('an event recorded by a log processor while the outer record is emitted: both records whole', async () => {
  const ev = createBusinessEvents({ env: {}, onWarning: () => {} });
  onRecord = (record) => {
    if (record.eventName === 'crm.operation.failed') ev.leadConverted({ leadId: 'L-2', prospectId: 'P-2', source: 'apollo', extra: 1 } as never);
  };
  const span = inSpan(() => ev.operationFailed({ operation: 'lead_sync', error: new RangeError('x'), errorType: 17 as never }));
  assert.deepEqual(span.events.map((e) => e.name), ['crm.operation.failed', 'crm.lead.converted']);
  const byName = new Map(records.getFinishedLogRecords().map((r) => [r.eventName, r]));
  const failed = byName.get('crm.operation.failed')!;
  assert.equal(failed.severityText, 'ERROR');
  assert.equal(failed.body, 'Operation Failed');
  assert.deepEqual(failed.attributes['crm.event.rejected_fields'], ['errorType']);
  const converted = byName.get('crm.lead.converted')!;
  assert.equal(converted.body, 'Lead Converted to Prospect');
  assert.equal(converted.attributes['crm.event.rejected_fields'], undefined);
  assert.equal(converted.attributes['crm.lead.source'], 'apollo');
  assert.deepEqual((await series('business_operation_errors_total')).map((p) => p.attributes), [{ operation: 'lead_sync', error_type: 'RangeError' }]);
});
