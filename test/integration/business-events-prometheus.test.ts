// Issue 3, the contract: the series exposed on a real Prometheus endpoint carry exactly the names
// the CRM dashboards and alerts use (no _total_total, no unit suffixes), with exactly the labels
// and values of the calls. First with the SDK's PrometheusExporter in this process, then with
// @crm/otel-register preloaded in a child process (`node --require .../register.js`), where the
// span events and log records also reach an OTLP receiver with their trace ids.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { createBusinessEvents } from '@crm/business-events';
import { OtlpReceiver, REPO, fastExportEnv, freePort, metricsText, parsePrometheusText, scrubbedEnv, type Sample } from '@crm/test-kit';

const require = createRequire(import.meta.url);
const REGISTER = join(REPO, 'packages', 'otel-register', 'dist', 'register.js');

/** Samples of our series without the exporter's scope labels. */
function ours(samples: Sample[]): Sample[] {
  const prefixes = ['leads_', 'lead_', 'prospects_', 'opportunit', 'business_'];
  return samples
    .filter((s) => prefixes.some((p) => s.name.startsWith(p)))
    .map((s) => ({ ...s, labels: Object.fromEntries(Object.entries(s.labels).filter(([k]) => !k.startsWith('otel_scope_'))) }));
}

function one(samples: Sample[], name: string, labels: Record<string, string>): number {
  const found = samples.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
  assert.equal(found.length, 1, `exactly one ${name}${JSON.stringify(labels)} in:\n${samples.map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`).join('\n')}`);
  return found[0]!.value;
}

const EXPECTED_NAMES = [
  'business_events_rejected_total',
  'business_operation_errors_total',
  'lead_conversions_total',
  'lead_sync_duration_seconds_bucket',
  'lead_sync_duration_seconds_count',
  'lead_sync_duration_seconds_sum',
  'lead_sync_total',
  'leads_created_total',
  'opportunities_closed_total',
  'opportunities_created_total',
  'opportunity_closed_value_bucket',
  'opportunity_closed_value_count',
  'opportunity_closed_value_sum',
  'opportunity_stage_changes_total',
  'opportunity_value_bucket',
  'opportunity_value_count',
  'opportunity_value_sum',
  'prospects_created_total',
];

/** The calls both scenarios make (as source text for the child process, evaluated here too). */
const CALLS = `
  ev.leadCreated({ id: 'L-1', source: 'halopsa', email: 'jane@acme.example', company: 'Acme', score: 95 });
  ev.leadCreated({ id: 'L-2', source: 'halopsa', score: 95 });
  ev.leadCreated({ id: 'L-3', source: 'carrier pigeon', score: 10 });
  ev.leadConverted({ leadId: 'L-1', prospectId: 'P-1', source: 'halopsa' });
  ev.opportunityCreated({ id: 'O-1', value: 60000, currency: 'USD', stage: 'proposal', probability: 0.5 });
  ev.opportunityStageChanged({ id: 'O-1', from: 'proposal', to: 'negotiation', value: 60000 });
  ev.opportunityClosed({ id: 'O-1', outcome: 'won', value: 60000, currency: 'USD' });
  ev.syncCompleted({ source: 'apollo', processed: 10, successful: 8, failed: 2, durationMs: 1500 });
  ev.operationFailed({ operation: 'lead_sync', error: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });
  ev.leadCreated({ id: 'L-4', source: 'manual', score: Number.NaN });
`;

function assertContract(text: string): void {
  assert.ok(!/_total_total|_seconds_seconds/.test(text), 'no doubled suffixes');
  for (const [name, type] of [
    ['leads_created_total', 'counter'],
    ['opportunity_value', 'histogram'],
    ['opportunity_closed_value', 'histogram'],
    ['lead_sync_duration_seconds', 'histogram'],
    ['lead_sync_total', 'counter'],
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'));
  }
  const s = ours(parsePrometheusText(text));
  assert.deepEqual([...new Set(s.map((x) => x.name))].sort(), EXPECTED_NAMES);
  assert.equal(one(s, 'leads_created_total', { source: 'halopsa', score_range: 'very-high' }), 2);
  assert.equal(one(s, 'leads_created_total', { source: 'other', score_range: 'low' }), 1);
  assert.equal(one(s, 'leads_created_total', { source: 'manual', score_range: 'unknown' }), 1);
  assert.equal(one(s, 'lead_conversions_total', { source: 'halopsa' }), 1);
  assert.equal(one(s, 'prospects_created_total', { source: 'halopsa' }), 1);
  assert.equal(one(s, 'opportunities_created_total', { value_range: '50k-100k', stage: 'proposal', currency: 'USD' }), 1);
  assert.equal(one(s, 'opportunity_value_count', { stage: 'proposal', currency: 'USD' }), 1);
  assert.equal(one(s, 'opportunity_value_sum', { stage: 'proposal', currency: 'USD' }), 60000);
  assert.equal(one(s, 'opportunity_value_bucket', { stage: 'proposal', currency: 'USD', le: '50000' }), 0);
  assert.equal(one(s, 'opportunity_value_bucket', { stage: 'proposal', currency: 'USD', le: '100000' }), 1);
  assert.equal(one(s, 'opportunity_stage_changes_total', { from_stage: 'proposal', to_stage: 'negotiation' }), 1);
  assert.equal(one(s, 'opportunities_closed_total', { outcome: 'won', currency: 'USD' }), 1);
  assert.equal(one(s, 'opportunity_closed_value_sum', { outcome: 'won', currency: 'USD' }), 60000);
  assert.equal(one(s, 'lead_sync_total', { source: 'apollo', status: 'success' }), 8);
  assert.equal(one(s, 'lead_sync_total', { source: 'apollo', status: 'failed' }), 2);
  assert.equal(one(s, 'lead_sync_duration_seconds_sum', { source: 'apollo' }), 1.5);
  assert.equal(one(s, 'lead_sync_duration_seconds_bucket', { source: 'apollo', le: '1' }), 0);
  assert.equal(one(s, 'lead_sync_duration_seconds_bucket', { source: 'apollo', le: '2' }), 1);
  assert.equal(one(s, 'business_operation_errors_total', { operation: 'lead_sync', error_type: 'ECONNRESET' }), 1);
  assert.equal(one(s, 'business_events_rejected_total', { event: 'crm.lead.created', reason: 'not_finite' }), 1);
  for (const leaked of ['L-1', 'P-1', 'O-1', 'jane', 'Acme', 'carrier']) assert.ok(!text.includes(leaked), `${leaked} not in /metrics`);
}

const children: ChildProcess[] = [];
let receiver: OtlpReceiver | undefined;
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await receiver?.stop();
});

describe('Prometheus exposition', () => {
  test('SDK MeterProvider + PrometheusExporter scraped over HTTP', async () => {
    const port = await freePort();
    const exporter = await new Promise<PrometheusExporter>((resolve, reject) => {
      const e: PrometheusExporter = new PrometheusExporter({ host: '127.0.0.1', port }, (err) => (err ? reject(err) : resolve(e)));
    });
    const provider = new MeterProvider({ readers: [exporter] });
    metrics.setGlobalMeterProvider(provider);
    try {
      const ev = createBusinessEvents({ env: {}, onWarning: () => {} });
      new Function('ev', CALLS)(ev);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      assertContract(await res.text());
    } finally {
      metrics.disable();
      await provider.shutdown();
    }
  });

  test('with @crm/otel-register preloaded: /metrics, span events and log records with trace ids', async () => {
    assert.ok(existsSync(REGISTER), `${REGISTER} must be built first (npm run build)`);
    receiver = await new OtlpReceiver().start();
    const promPort = await freePort();
    const app = `
      const { trace } = require(${JSON.stringify(require.resolve('@opentelemetry/api'))});
      const ev = require(${JSON.stringify(join(REPO, 'packages', 'business-events', 'dist', 'index.js'))});
      trace.getTracer('crm-app').startActiveSpan('POST /leads', (span) => {
        ${CALLS}
        span.end();
      });
      console.log('READY');
      setInterval(() => {}, 1000);
    `;
    const env = scrubbedEnv();
    Object.assign(env, fastExportEnv(receiver.endpoint, promPort), { OTEL_SERVICE_NAME: 'business-events-app', CRM_EVENTS_HASH_KEY: 'integration-test-key-0123456789' });
    // A file rather than -e: the process resource attributes carry the command line.
    const dir = mkdtempSync(join(tmpdir(), 'business-events-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'app.cjs'), app);
    const child = spawn(process.execPath, ['--require', REGISTER, join(dir, 'app.cjs')], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await receiver.waitFor(`READY from the app (output so far: ${output})`, () => output.includes('READY') || (child.exitCode !== null ? assert.fail(output) : false));

    // the register starts its Prometheus server asynchronously: wait until it answers
    assertContract(await metricsText(`http://127.0.0.1:${promPort}/metrics`));

    const span = await receiver.waitFor('the POST /leads span', () =>
      receiver!.spans.find((s) => s.name === 'POST /leads' && s.resource['service.name'] === 'business-events-app'),
    );
    assert.deepEqual(span.events.map((e) => e.name), [
      'crm.lead.created', 'crm.lead.created', 'crm.lead.created', 'crm.lead.converted', 'crm.opportunity.created',
      'crm.opportunity.stage_changed', 'crm.opportunity.closed', 'crm.sync.completed', 'crm.operation.failed', 'crm.lead.created',
    ]);
    assert.equal(span.events[0]!.attributes['crm.lead.id'], 'L-1');
    const records = await receiver.waitFor('10 business log records', () => {
      const r = receiver!.logs.filter((l) => l.scope === '@crm/business-events');
      return r.length >= 10 ? r : undefined;
    });
    for (const r of records) {
      assert.equal(r.traceId, span.traceId, 'log record linked to the trace');
      assert.equal(r.spanId, span.spanId, 'log record linked to the active span');
      assert.match(r.eventName, /^crm\.(lead|opportunity|sync|operation)\./, 'the top-level LogRecord.event_name');
      assert.equal(r.attributes['event.name'], r.eventName, 'and the attribute the collector and OpenSearch queries use');
    }
    const lead = records.find((r) => r.attributes['crm.lead.id'] === 'L-1')!;
    assert.equal(lead.severityText, 'INFO');
    assert.match(String(lead.attributes['crm.lead.email_hash']), /^[0-9a-f]{64}$/);
    const failure = records.find((r) => r.attributes['event.name'] === 'crm.operation.failed')!;
    assert.equal(failure.severityText, 'ERROR');
    assert.equal(failure.severityNumber, 17);
    assert.ok(!receiver.everything().includes('jane@acme.example'), 'the email never leaves in clear');
  });
});
