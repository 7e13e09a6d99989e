// The events read their input through a generated reader (build.ts readerOf); where Node forbids
// code generation (--disallow-code-generation-from-strings) they fall back to a loop and record
// the same series and rejections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '@crm/test-kit';

const SCRIPT = `
const { metrics } = require('@opentelemetry/api');
const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3600000 });
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
const be = require(${JSON.stringify(join(REPO, 'packages', 'business-events', 'dist', 'index.js'))});
const ev = be.createBusinessEvents({ env: {}, onWarning: () => {} });
be.configure({ env: {}, onWarning: () => {} });
ev.leadCreated({ id: 'L-1', source: 'apollo', score: 95 });
ev.leadCreated({ id: 'L-2', source: 'apollo', score: 500 });
const merged = be.defineEvent({ name: 'crm.contact.merged', counter: 'contacts_merged_total', labels: { source: ['csv'] }, fields: { contactId: 'id' } });
merged({ contactId: 'C-1', source: 'csv' });
reader.collect().then(({ resourceMetrics }) => {
  const out = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).flatMap((m) => m.dataPoints.map((p) => [m.descriptor.name, p.attributes, p.value]));
  console.log(JSON.stringify(out));
});
`;

for (const flags of [[], ['--disallow-code-generation-from-strings']]) {
  test(`the same series ${flags.length ? 'without' : 'with'} code generation`, () => {
    const r = spawnSync(process.execPath, [...flags, '-e', SCRIPT], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const series = JSON.parse(r.stdout) as [string, Record<string, string>, number][];
    const find = (name: string) => series.filter(([n]) => n === name).map(([, a, v]) => [a, v]);
    assert.deepEqual(find('leads_created_total'), [[{ source: 'apollo', score_range: 'very-high' }, 1], [{ source: 'apollo', score_range: 'unknown' }, 1]]);
    assert.deepEqual(find('business_events_rejected_total'), [[{ event: 'crm.lead.created', reason: 'out_of_range' }, 1]]);
    assert.deepEqual(find('contacts_merged_total'), [[{ source: 'csv' }, 1]]);
  });
}
