// Issue 3: with no OpenTelemetry SDK registered the calls are a cheap no-op: nothing thrown,
// nothing registered, no warnings, no label work; strict mode still validates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNoopMeter, logs, metrics, trace } from '@opentelemetry/api';
import * as events from '@crm/business-events';

function all(ev: events.BusinessEvents): void {
  ev.leadCreated({ id: 'L-1', source: 'no-such-source', email: 'jane@acme.example', score: 50 });
  ev.leadConverted({ leadId: 'L-1', prospectId: 'P-1' });
  ev.opportunityCreated({ id: 'O-1', value: 10, currency: 'USD', stage: 'no-such-stage' });
  ev.opportunityStageChanged({ id: 'O-1', from: 'demo', to: 'proposal', value: 10 });
  ev.opportunityClosed({ id: 'O-1', outcome: 'won', value: 10 });
  ev.syncCompleted({ source: 'halopsa', processed: 1, successful: 1, failed: 0, durationMs: 1 });
  ev.operationFailed({ operation: 'lead_sync', error: new Error('x') });
  ev.leadCreated({ id: Number.NaN, source: 'manual', score: -5 }); // bad input
}

test('no SDK: every call returns, nothing is registered, no warning is emitted', async () => {
  const warnings: string[] = [];
  process.on('warning', (w) => warnings.push(w.message));
  const ev = events.createBusinessEvents({ env: {}, onWarning: (m) => warnings.push(m) });
  assert.doesNotThrow(() => all(ev));
  assert.doesNotThrow(() => all(events.businessEvents)); // the module-level functions too
  await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
  assert.deepEqual(warnings, [], 'no allow-list or rejection warning: the calls did no work');
  assert.equal(metrics.getMeterProvider().getMeter('x'), createNoopMeter(), 'no MeterProvider was registered');
  assert.equal(trace.getActiveSpan(), undefined);
  assert.equal(logs.getLoggerProvider().getLogger('x').enabled(), false, 'no LoggerProvider was registered');
});

test('no SDK, strict mode: bad input still throws', () => {
  const ev = events.createBusinessEvents({ env: {}, strict: true });
  assert.throws(() => ev.leadCreated({ id: 'L-1', source: 'manual', score: -5 }), /field "score" is -5; accepted: a finite number from 0 to 100/);
  assert.doesNotThrow(() => ev.leadCreated({ id: 'L-1', source: 'manual', score: 5 }));
});

test('configure() replaces the settings of the module-level functions', () => {
  events.configure({ strict: true, env: {} });
  try {
    assert.throws(() => events.opportunityClosed({ id: 'O-1', outcome: 'tie' as never, value: 1 }), TypeError);
  } finally {
    events.configure({ env: {} });
  }
  assert.doesNotThrow(() => events.opportunityClosed({ id: 'O-1', outcome: 'tie' as never, value: 1 }));
});

test('an SDK registered after the first calls is picked up by the same functions (metrics, spans, logs)', async () => {
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
  const { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace');
  const { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
  const { context } = await import('@opentelemetry/api');

  events.leadCreated({ id: 'L-before', source: 'manual', score: 10 }); // no SDK yet: nothing recorded

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spans = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }));
  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  const records = new InMemoryLogRecordExporter();
  logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: records })] }));

  trace.getTracer('late').startActiveSpan('late span', (span) => {
    events.leadCreated({ id: 'L-after', source: 'manual', score: 10 });
    span.end();
  });

  const { resourceMetrics } = await reader.collect();
  const leads = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'leads_created_total');
  assert.deepEqual(leads?.dataPoints.map((p) => [p.attributes, p.value]), [[{ source: 'manual', score_range: 'low' }, 1]]);
  assert.deepEqual(spans.getFinishedSpans()[0]?.events.map((e) => e.attributes), [{ 'crm.lead.id': 'L-after' }]);
  assert.deepEqual(records.getFinishedLogRecords().map((r) => r.attributes['crm.lead.id']), ['L-after']);
});
