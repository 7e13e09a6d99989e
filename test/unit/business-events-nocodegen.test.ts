// Each event's call is compiled into one function (bound.ts bodyOf); where Node forbids code
// generation (--disallow-code-generation-from-strings) it falls back to a loop over the spec
// (recorder.ts runLoop). Both must record the same series, span events and log records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '@crm/test-kit';

const SCRIPT = `
const { context, logs, metrics, trace } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');
const { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3600000 });
const spans = new InMemorySpanExporter();
const records = new InMemoryLogRecordExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }));
logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: records })] }));
const be = require(${JSON.stringify(join(REPO, 'packages', 'business-events', 'dist', 'index.js'))});
const options = { env: { CRM_EVENTS_HASH_KEY: 'nocodegen-test-key-0123456789' }, onWarning: () => {} };
const ev = be.createBusinessEvents(options);
be.configure(options);
const merged = be.defineEvent({ name: 'crm.contact.merged', counter: 'contacts_merged_total', labels: { source: ['csv'] }, fields: { contactId: 'id', email: 'pii' } });
trace.getTracer('t').startActiveSpan('handler', (span) => {
  ev.leadCreated({ id: 'L-1', source: 'apollo', score: 95, email: 'ann@example.com', company: 'Acme' });
  ev.leadCreated({ id: 'L-2', source: 'carrier-pigeon', score: 500 });
  ev.opportunityCreated({ id: 'O-1', value: 30000, currency: 'eur', stage: 'proposal' });
  ev.opportunityStageChanged({ id: 'O-1', from: 'proposal', to: 'negotiation', value: 30000 });
  ev.operationFailed({ operation: 'lead_sync', error: new RangeError('bad'), context: { leadId: 'L-1', apiKey: 'sk-1' } });
  ev.signInFailed({ actorId: 'ann@example.com', method: 'password', reason: 'invalid_credentials' });
  merged({ contactId: 'C-1', source: 'csv', email: 'bob@example.com' });
  span.end();
});
reader.collect().then(({ resourceMetrics }) => {
  const series = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).flatMap((m) => m.dataPoints.map((p) => [m.descriptor.name, p.attributes, p.value]));
  const events = spans.getFinishedSpans()[0].events.map((e) => [e.name, e.attributes]);
  // Without what differs run to run: times, the stack trace of the error.
  const logRecords = records.getFinishedLogRecords().map((r) => [r.eventName, r.severityText, r.body,
    Object.fromEntries(Object.entries(r.attributes).filter(([k]) => k !== 'exception.stacktrace'))]);
  console.log(JSON.stringify({ series, events, logRecords }));
});
`;

interface Output {
  series: [string, Record<string, string>, unknown][];
  events: [string, Record<string, unknown>][];
  logRecords: [string, string, string, Record<string, unknown>][];
}

function run(flags: string[]): Output {
  const r = spawnSync(process.execPath, [...flags, '-e', SCRIPT], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Output;
}

test('the same series, span events and log records with and without code generation', () => {
  const compiled = run([]);
  const loop = run(['--disallow-code-generation-from-strings']);
  const find = (name: string) => compiled.series.filter(([n]) => n === name).map(([, a, v]) => [a, v]);
  // What is compared below is really there.
  assert.deepEqual(find('leads_created_total'), [[{ source: 'apollo', score_range: 'very-high' }, 1], [{ source: 'other', score_range: 'unknown' }, 1]]);
  assert.deepEqual(find('business_events_rejected_total'), [[{ event: 'crm.lead.created', reason: 'out_of_range' }, 1]]);
  assert.deepEqual(find('contacts_merged_total'), [[{ source: 'csv' }, 1]]);
  assert.deepEqual(compiled.events.map(([name]) => name), [
    'crm.lead.created', 'crm.lead.created', 'crm.opportunity.created', 'crm.opportunity.stage_changed',
    'crm.operation.failed', 'crm.audit.sign_in.failed', 'crm.contact.merged',
  ]);
  assert.equal(compiled.logRecords.length, 7);
  const text = JSON.stringify(compiled);
  for (const secret of ['ann@example.com', 'bob@example.com', 'sk-1']) assert.ok(!text.includes(secret), secret);

  assert.deepEqual(loop.series, compiled.series);
  assert.deepEqual(loop.events, compiled.events);
  assert.deepEqual(loop.logRecords, compiled.logRecords);
});
