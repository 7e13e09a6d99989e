// Issue 3: each call feeds the metric series (exact names, labels and values, read from a real
// SDK MeterProvider), an event on the active span and a log record linked to the trace; PII
// never leaves in clear; allow-lists map unknown values to `other` with one warning.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, metrics, trace } from '@opentelemetry/api';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import { createHmac } from 'node:crypto';
import { createBusinessEvents, type BusinessEvents, type BusinessEventsOptions } from '@crm/business-events';
import { useInMemorySdk } from '../support/sdk.ts';

interface Point {
  name: string;
  attributes: Record<string, unknown>;
  value: number | Histogram;
}

const sdk = useInMemorySdk();
const { spans, records: logRecords } = sdk;

async function points(): Promise<Point[]> {
  const { resourceMetrics } = await sdk.reader.collect();
  const out: Point[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const m of scope.metrics) {
      for (const p of m.dataPoints as DataPoint<number | Histogram>[]) out.push({ name: m.descriptor.name, attributes: p.attributes, value: p.value });
    }
  }
  return out;
}

function value(ps: Point[], name: string, attributes: Record<string, string>): number | undefined {
  const p = ps.find((x) => x.name === name && JSON.stringify(sorted(x.attributes)) === JSON.stringify(sorted(attributes)));
  return p === undefined ? undefined : typeof p.value === 'number' ? p.value : p.value.count;
}

function sorted(o: Record<string, unknown>): [string, unknown][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

function events(opts: BusinessEventsOptions = {}): { ev: BusinessEvents; warnings: string[] } {
  const warnings: string[] = [];
  const ev = createBusinessEvents({ env: {}, onWarning: (m) => warnings.push(m), ...opts });
  return { ev, warnings };
}

/** Runs fn inside an active recording span and returns the finished span. */
function inSpan(fn: () => void) {
  const tracer = trace.getTracer('test');
  const span = tracer.startSpan('handler');
  context.with(trace.setSpan(context.active(), span), fn);
  span.end();
  const finished = spans.getFinishedSpans().at(-1);
  assert.ok(finished);
  return finished;
}

describe('metric series', () => {
  test('leadCreated: leads_created_total{source,score_range}', async () => {
    const { ev } = events();
    ev.leadCreated({ id: 'L-1', source: 'halopsa', score: 10 });
    ev.leadCreated({ id: 'L-2', source: 'HaloPSA', score: 24.9 });
    ev.leadCreated({ id: 3, source: 'apollo', score: 25 });
    ev.leadCreated({ id: 'L-4', source: 'zoominfo', score: 74 });
    ev.leadCreated({ id: 'L-5', source: 'linkedin', score: 89 });
    ev.leadCreated({ id: 'L-6', source: 'Email Campaign', score: 90 });
    ev.leadCreated({ id: 'L-7', source: 'website' });
    const ps = await points();
    assert.equal(value(ps, 'leads_created_total', { source: 'halopsa', score_range: 'low' }), 2);
    assert.equal(value(ps, 'leads_created_total', { source: 'apollo', score_range: 'medium-low' }), 1);
    assert.equal(value(ps, 'leads_created_total', { source: 'zoominfo', score_range: 'medium' }), 1);
    assert.equal(value(ps, 'leads_created_total', { source: 'linkedin', score_range: 'high' }), 1);
    assert.equal(value(ps, 'leads_created_total', { source: 'email_campaign', score_range: 'very-high' }), 1);
    assert.equal(value(ps, 'leads_created_total', { source: 'website', score_range: 'unknown' }), 1);
    assert.equal(ps.filter((p) => p.name === 'leads_created_total').length, 6);
  });

  test('leadConverted: lead_conversions_total and prospects_created_total by source', async () => {
    const { ev } = events();
    ev.leadConverted({ leadId: 'L-1', prospectId: 'P-1', source: 'referral' });
    ev.leadConverted({ leadId: 'L-2', prospectId: 'P-2', source: 'referral' });
    ev.leadConverted({ leadId: 'L-3', prospectId: 'P-3' });
    const ps = await points();
    assert.equal(value(ps, 'lead_conversions_total', { source: 'referral' }), 2);
    assert.equal(value(ps, 'prospects_created_total', { source: 'referral' }), 2);
    assert.equal(value(ps, 'lead_conversions_total', { source: 'unknown' }), 1);
    assert.equal(value(ps, 'prospects_created_total', { source: 'unknown' }), 1);
  });

  test('opportunityCreated: opportunities_created_total{value_range,stage,currency} and the opportunity_value histogram', async () => {
    const { ev } = events();
    const cases: [number, string][] = [
      [0, '0-25k'], [24_999.99, '0-25k'], [25_000, '25k-50k'], [50_000, '50k-100k'], [100_000, '100k-250k'], [250_000, '250k+'], [9e9, '250k+'],
    ];
    for (const [v] of cases) ev.opportunityCreated({ id: `O-${v}`, value: v, currency: 'usd', stage: 'Proposal', probability: 0.4 });
    const ps = await points();
    const expected = new Map<string, number>();
    for (const [, range] of cases) expected.set(range, (expected.get(range) ?? 0) + 1);
    for (const [range, n] of expected) {
      assert.equal(value(ps, 'opportunities_created_total', { value_range: range, stage: 'proposal', currency: 'USD' }), n, range);
    }
    const hist = ps.find((p) => p.name === 'opportunity_value');
    assert.ok(hist && typeof hist.value !== 'number');
    assert.deepEqual(hist.attributes, { stage: 'proposal', currency: 'USD' });
    assert.equal(hist.value.count, cases.length);
    assert.equal(hist.value.sum, cases.reduce((s, [v]) => s + v, 0));
    assert.deepEqual(hist.value.buckets.boundaries, [5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000]);
  });

  test('opportunityStageChanged and opportunityClosed', async () => {
    const { ev } = events();
    ev.opportunityStageChanged({ id: 'O-1', from: 'qualification', to: 'proposal', value: 1000 });
    ev.opportunityStageChanged({ id: 'O-2', from: 'qualification', to: 'proposal', value: 2000 });
    ev.opportunityStageChanged({ id: 'O-1', from: 'proposal', to: 'Closed Won', value: 1000 });
    ev.opportunityClosed({ id: 'O-1', outcome: 'won', value: 1000 });
    ev.opportunityClosed({ id: 'O-3', outcome: 'lost', value: 500, currency: 'EUR' });
    ev.opportunityClosed({ id: 'O-4', outcome: 'won', value: 2500, currency: 'USD' });
    const ps = await points();
    assert.equal(value(ps, 'opportunity_stage_changes_total', { from_stage: 'qualification', to_stage: 'proposal' }), 2);
    assert.equal(value(ps, 'opportunity_stage_changes_total', { from_stage: 'proposal', to_stage: 'closed_won' }), 1);
    assert.equal(value(ps, 'opportunities_closed_total', { outcome: 'won', currency: 'USD' }), 2);
    assert.equal(value(ps, 'opportunities_closed_total', { outcome: 'lost', currency: 'EUR' }), 1);
    const won = ps.find((p) => p.name === 'opportunity_closed_value' && p.attributes['outcome'] === 'won');
    assert.ok(won && typeof won.value !== 'number');
    assert.equal(won.value.sum, 3500);
    assert.equal(won.value.count, 2);
  });

  test('syncCompleted: lead_sync_total counted per record outcome, lead_sync_duration_seconds in seconds', async () => {
    const { ev } = events();
    ev.syncCompleted({ source: 'halopsa', processed: 120, successful: 100, failed: 7, durationMs: 4200 });
    ev.syncCompleted({ source: 'halopsa', processed: 10, successful: 10, failed: 0, durationMs: 800 });
    const ps = await points();
    assert.equal(value(ps, 'lead_sync_total', { source: 'halopsa', status: 'success' }), 110);
    assert.equal(value(ps, 'lead_sync_total', { source: 'halopsa', status: 'failed' }), 7);
    assert.equal(value(ps, 'lead_sync_total', { source: 'halopsa', status: 'skipped' }), 13);
    const d = ps.find((p) => p.name === 'lead_sync_duration_seconds');
    assert.ok(d && typeof d.value !== 'number');
    assert.deepEqual(d.attributes, { source: 'halopsa' });
    assert.equal(d.value.count, 2);
    assert.equal(d.value.sum, 5);
  });

  test('operationFailed: business_operation_errors_total{operation,error_type}', async () => {
    const { ev } = events();
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    ev.operationFailed({ operation: 'lead_sync', error: reset });
    ev.operationFailed({ operation: 'lead_sync', error: new TypeError('x is undefined') });
    ev.operationFailed({ operation: 'email_send', error: 'smtp refused' });
    ev.operationFailed({ operation: 'email_send', error: new Error('quota'), errorType: 'QuotaExceeded' });
    const ps = await points();
    assert.equal(value(ps, 'business_operation_errors_total', { operation: 'lead_sync', error_type: 'ECONNRESET' }), 1);
    assert.equal(value(ps, 'business_operation_errors_total', { operation: 'lead_sync', error_type: 'TypeError' }), 1);
    assert.equal(value(ps, 'business_operation_errors_total', { operation: 'email_send', error_type: 'Error' }), 1);
    assert.equal(value(ps, 'business_operation_errors_total', { operation: 'email_send', error_type: 'QuotaExceeded' }), 1);
  });

  test('no metric label ever carries an id, email or company name', async () => {
    const { ev } = events();
    ev.leadCreated({ id: 'ID-SECRET-1', source: 'manual', email: 'jane@acme.example', company: 'Acme Corp', score: 50 });
    ev.leadConverted({ leadId: 'ID-SECRET-1', prospectId: 'ID-SECRET-2', source: 'manual' });
    ev.opportunityCreated({ id: 'ID-SECRET-3', value: 10, currency: 'USD', stage: 'demo' });
    ev.opportunityClosed({ id: 'ID-SECRET-3', outcome: 'won', value: 10 });
    const text = JSON.stringify((await points()).map((p) => p.attributes));
    for (const secret of ['ID-SECRET', 'jane', 'acme', 'Acme']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
  });
});

describe('cardinality guard', () => {
  test('values outside the allow-lists become `other`, each named once in a warning', async () => {
    const { ev, warnings } = events();
    for (let i = 0; i < 3; i++) ev.leadCreated({ id: `L-${i}`, source: 'Trade Show 2026', score: 1 });
    ev.leadCreated({ id: 'L-9', source: 'carrier-pigeon', score: 1 });
    ev.opportunityCreated({ id: 'O-1', value: 1, currency: 'XAU', stage: 'handshake' });
    ev.operationFailed({ operation: 'launch_rocket', error: new Error('x') });
    const ps = await points();
    assert.equal(value(ps, 'leads_created_total', { source: 'other', score_range: 'low' }), 4);
    assert.equal(value(ps, 'opportunities_created_total', { value_range: '0-25k', stage: 'other', currency: 'other' }), 1);
    assert.equal(value(ps, 'business_operation_errors_total', { operation: 'other', error_type: 'Error' }), 1);
    assert.equal(warnings.filter((w) => w.includes('"Trade Show 2026"')).length, 1);
    for (const name of ['carrier-pigeon', 'XAU', 'handshake', 'launch_rocket']) {
      assert.equal(warnings.filter((w) => w.includes(`"${name}"`)).length, 1, name);
    }
  });

  test('a label only the log record carries is checked only when there is a LoggerProvider (opportunityStageChanged currency)', async () => {
    const { ev, warnings } = events();
    const stageChange = { id: 'O-1', from: 'qualification', to: 'proposal', value: 10, currency: 'XAG' };
    sdk.withoutLoggerProvider(() => ev.opportunityStageChanged(stageChange));
    assert.equal(warnings.length, 0, `no log record: the currency is neither recorded nor warned about; got ${warnings.join(' | ')}`);
    assert.equal(logRecords.getFinishedLogRecords().length, 0);
    ev.opportunityStageChanged(stageChange);
    assert.equal(warnings.filter((w) => w.includes('"XAG"')).length, 1, warnings.join('\n'));
    assert.equal(logRecords.getFinishedLogRecords().at(-1)?.attributes['crm.opportunity.currency'], 'XAG', 'logs keep the value: no cardinality cost there');
    assert.equal(value(await points(), 'opportunity_stage_changes_total', { from_stage: 'qualification', to_stage: 'proposal' }), 2);
  });

  test('configurable allow-lists replace the defaults', async () => {
    const { ev } = events({ sources: ['trade_show'], stages: ['handshake'] });
    ev.leadCreated({ id: 'L-1', source: 'Trade Show', score: 1 });
    ev.leadCreated({ id: 'L-2', source: 'halopsa', score: 1 });
    ev.opportunityStageChanged({ id: 'O-1', from: 'handshake', to: 'proposal', value: 1 });
    const ps = await points();
    assert.equal(value(ps, 'leads_created_total', { source: 'trade_show', score_range: 'low' }), 1);
    assert.equal(value(ps, 'leads_created_total', { source: 'other', score_range: 'low' }), 1);
    assert.equal(value(ps, 'opportunity_stage_changes_total', { from_stage: 'handshake', to_stage: 'other' }), 1);
  });

  test('error types are capped by maxErrorTypes', async () => {
    const { ev } = events({ maxErrorTypes: 2 });
    for (const name of ['AError', 'BError', 'CError', 'DError']) {
      const e = new Error('x');
      e.name = name;
      ev.operationFailed({ operation: 'lead_sync', error: e });
    }
    const ps = await points();
    const types = ps.filter((p) => p.name === 'business_operation_errors_total').map((p) => p.attributes['error_type']).sort();
    assert.deepEqual(types, ['AError', 'BError', 'other']);
    assert.equal(value(ps, 'business_operation_errors_total', { operation: 'lead_sync', error_type: 'other' }), 2);
  });
});

describe('span events', () => {
  test('each call adds crm.* events with the ids to the active span', () => {
    const { ev } = events();
    const span = inSpan(() => {
      ev.leadCreated({ id: 42, source: 'apollo', email: 'a@b.example', score: 80 });
      ev.leadConverted({ leadId: 42, prospectId: 'P-42', source: 'apollo' });
      ev.opportunityCreated({ id: 'O-7', value: 30_000, currency: 'EUR', stage: 'proposal' });
      ev.opportunityStageChanged({ id: 'O-7', from: 'proposal', to: 'negotiation', value: 30_000 });
      ev.opportunityClosed({ id: 'O-7', outcome: 'won', value: 30_000 });
      ev.syncCompleted({ source: 'zoominfo', processed: 3, successful: 2, failed: 1, durationMs: 10 });
      ev.operationFailed({ operation: 'lead_sync', error: new RangeError('boom') });
    });
    assert.deepEqual(
      span.events.map((e) => e.name),
      ['crm.lead.created', 'crm.lead.converted', 'crm.opportunity.created', 'crm.opportunity.stage_changed', 'crm.opportunity.closed', 'crm.sync.completed', 'crm.operation.failed'],
    );
    assert.deepEqual(span.events[0]!.attributes, { 'crm.lead.id': '42' });
    assert.deepEqual(span.events[1]!.attributes, { 'crm.lead.id': '42', 'crm.prospect.id': 'P-42' });
    assert.deepEqual(span.events[2]!.attributes, { 'crm.opportunity.id': 'O-7' });
    assert.deepEqual(span.events[3]!.attributes, { 'crm.opportunity.id': 'O-7', 'crm.opportunity.to_stage': 'negotiation' });
    assert.deepEqual(span.events[4]!.attributes, { 'crm.opportunity.id': 'O-7', 'crm.opportunity.outcome': 'won' });
    assert.deepEqual(span.events[5]!.attributes, { 'crm.sync.source': 'zoominfo', 'crm.sync.failed': 1 });
    assert.deepEqual(span.events[6]!.attributes, { 'crm.operation.name': 'lead_sync', 'error.type': 'RangeError' });
    assert.ok(!JSON.stringify(span.events).includes('a@b.example'), 'no email on spans');
  });

  test('without an active span nothing is added and metrics still count', async () => {
    const { ev } = events();
    ev.leadCreated({ id: 1, source: 'manual' });
    assert.equal(spans.getFinishedSpans().length, 0);
    assert.equal(value(await points(), 'leads_created_total', { source: 'manual', score_range: 'unknown' }), 1);
  });
});

describe('log records', () => {
  test('INFO records with event.name, ids and values, linked to the active trace', () => {
    const { ev } = events();
    const span = inSpan(() => {
      ev.opportunityCreated({ id: 'O-9', value: 75_000, currency: 'gbp', stage: 'negotiation', probability: 0.6, expectedCloseDate: '2026-12-31' });
    });
    const [record] = logRecords.getFinishedLogRecords();
    assert.ok(record);
    assert.equal(record.eventName, 'crm.opportunity.created');
    assert.equal(record.severityNumber, 9);
    assert.equal(record.severityText, 'INFO');
    assert.equal(record.body, 'Opportunity Created');
    assert.deepEqual(record.attributes, {
      'event.name': 'crm.opportunity.created',
      'crm.opportunity.value_range': '50k-100k',
      'crm.opportunity.id': 'O-9',
      'crm.opportunity.value': 75_000,
      'crm.opportunity.currency': 'GBP',
      'crm.opportunity.probability': 0.6,
      'crm.opportunity.expected_close_date': '2026-12-31T00:00:00.000Z',
      'crm.opportunity.stage': 'negotiation',
    });
    assert.equal(record.spanContext?.traceId, span.spanContext().traceId);
    assert.equal(record.spanContext?.spanId, span.spanContext().spanId);
  });

  test('operationFailed logs at ERROR with the exception, emails scrubbed and secrets redacted', () => {
    const key = 'k'.repeat(32);
    const { ev } = events({ pii: { hashKey: key } });
    const err = new Error('duplicate contact bob@corp.example');
    inSpan(() => ev.operationFailed({ operation: 'lead_create', error: err, context: { leadId: 'L-5', attempt: 2, apiKey: 'sk-live-123', contactEmail: 'Bob@corp.example', nested: { password: 'hunter2', note: 'ok' } } }));
    const [record] = logRecords.getFinishedLogRecords();
    assert.ok(record);
    assert.equal(record.severityNumber, 17);
    assert.equal(record.severityText, 'ERROR');
    assert.equal(record.attributes['event.name'], 'crm.operation.failed');
    assert.equal(record.attributes['error.type'], 'Error');
    assert.equal(record.attributes['crm.operation.name'], 'lead_create');
    assert.equal(record.attributes['crm.context.leadId'], 'L-5');
    assert.equal(record.attributes['crm.context.attempt'], 2);
    assert.equal(record.attributes['crm.context.apiKey'], '[REDACTED]');
    const emailHash = createHmac('sha256', key).update('bob@corp.example').digest('hex');
    assert.equal(record.attributes['crm.context.contactEmail'], emailHash);
    assert.equal(record.attributes['exception.message'], `duplicate contact [email:${emailHash.slice(0, 16)}]`);
    assert.ok(typeof record.attributes['exception.stacktrace'] === 'string');
    const all = JSON.stringify(record.attributes);
    for (const secret of ['bob@corp.example', 'Bob@corp.example', 'sk-live-123', 'hunter2']) assert.ok(!all.includes(secret), secret);
    assert.ok(record.spanContext?.traceId);
  });

  test('email is an HMAC-SHA256 with the configured key; company hashed by default, dropped or kept on request', () => {
    const key = 'a-test-key-of-32-characters-long';
    events({ pii: { hashKey: key } }).ev.leadCreated({ id: 'L-1', source: 'manual', email: ' Jane@Acme.example ', company: 'Acme Corp' });
    events({ pii: { hashKey: key, email: 'drop', company: 'drop' } }).ev.leadCreated({ id: 'L-2', source: 'manual', email: 'jane@acme.example', company: 'Acme Corp' });
    events({ pii: { hashKey: key, company: 'keep' } }).ev.leadCreated({ id: 'L-3', source: 'manual', company: 'Acme Corp' });
    events({ env: { CRM_EVENTS_HASH_KEY: key } }).ev.leadCreated({ id: 'L-4', source: 'manual', email: 'jane@acme.example' });
    const [hashed, dropped, kept, fromEnv] = logRecords.getFinishedLogRecords().map((r) => r.attributes);
    const hmac = (v: string) => createHmac('sha256', key).update(v).digest('hex');
    assert.equal(hashed?.['crm.lead.email_hash'], hmac('jane@acme.example'));
    assert.equal(hashed?.['crm.lead.company_hash'], hmac('Acme Corp'));
    assert.equal(dropped?.['crm.lead.email_hash'], undefined);
    assert.equal(dropped?.['crm.lead.company_hash'], undefined);
    assert.equal(kept?.['crm.lead.company'], 'Acme Corp');
    assert.equal(fromEnv?.['crm.lead.email_hash'], hmac('jane@acme.example'));
    assert.ok(!JSON.stringify([hashed, dropped, fromEnv]).toLowerCase().includes('jane@acme'), 'email never in clear');
    assert.ok(!JSON.stringify([hashed, dropped]).includes('Acme Corp'));
  });

  test('a short CRM_EVENTS_HASH_KEY is refused with a warning naming the variable; a random key is used', () => {
    const { ev, warnings } = events({ env: { CRM_EVENTS_HASH_KEY: 'short' } });
    ev.leadCreated({ id: 'L-1', source: 'manual', email: 'jane@acme.example' });
    assert.match(warnings.join('\n'), /CRM_EVENTS_HASH_KEY is 5 characters long; accepted: at least 16 characters; using a random per-process key/);
    const hash = logRecords.getFinishedLogRecords()[0]?.attributes['crm.lead.email_hash'];
    assert.equal(typeof hash, 'string');
    assert.notEqual(hash, createHmac('sha256', 'short').update('jane@acme.example').digest('hex'));
  });

  test('each event name has its record: sync and conversion attributes', () => {
    const { ev } = events();
    ev.syncCompleted({ source: 'apollo', processed: 5, successful: 4, failed: 1, durationMs: 1500 });
    ev.leadConverted({ leadId: 'L-1', prospectId: 'P-1', source: 'apollo' });
    const [sync, conv] = logRecords.getFinishedLogRecords();
    assert.deepEqual(sync?.attributes, {
      'event.name': 'crm.sync.completed', 'crm.sync.source': 'apollo', 'crm.sync.processed': 5, 'crm.sync.successful': 4, 'crm.sync.failed': 1, 'crm.sync.duration_ms': 1500,
    });
    assert.equal(sync?.body, 'Data Synchronization Completed');
    assert.deepEqual(conv?.attributes, { 'event.name': 'crm.lead.converted', 'crm.lead.id': 'L-1', 'crm.prospect.id': 'P-1', 'crm.lead.source': 'apollo' });
  });
});

describe('SDK lifecycle', () => {
  test('two separately configured instances feed one series per label set', async () => {
    const a = events().ev;
    const b = events({ stages: ['proposal'] }).ev;
    a.leadCreated({ id: 'L-1', source: 'apollo', score: 30 });
    b.leadCreated({ id: 'L-2', source: 'apollo', score: 30 });
    b.leadCreated({ id: 'L-3', source: 'Apollo', score: 40 });
    const ps = await points();
    assert.equal(value(ps, 'leads_created_total', { source: 'apollo', score_range: 'medium-low' }), 3);
    assert.equal(ps.filter((p) => p.name === 'leads_created_total').length, 1);
  });

  test('counts keep accumulating between collections (cumulative counters)', async () => {
    const { ev } = events();
    ev.opportunityStageChanged({ id: 'O-1', from: 'demo', to: 'proposal', value: 5 });
    assert.equal(value(await points(), 'opportunity_stage_changes_total', { from_stage: 'demo', to_stage: 'proposal' }), 1);
    ev.opportunityStageChanged({ id: 'O-2', from: 'demo', to: 'proposal', value: 5 });
    ev.opportunityStageChanged({ id: 'O-3', from: 'demo', to: 'proposal', value: 5 });
    assert.equal(value(await points(), 'opportunity_stage_changes_total', { from_stage: 'demo', to_stage: 'proposal' }), 3);
  });

  test('an SDK MeterProvider registered after the events were first used is picked up', async () => {
    const { ev } = events();
    metrics.disable();
    ev.leadCreated({ id: 'L-0', source: 'manual', score: 1 }); // no provider: nothing recorded
    sdk.freshMeterProvider();
    ev.leadCreated({ id: 'L-1', source: 'manual', score: 1 });
    ev.leadCreated({ id: 'L-2', source: 'manual', score: 1 });
    assert.equal(value(await points(), 'leads_created_total', { source: 'manual', score_range: 'low' }), 2);
  });
});
