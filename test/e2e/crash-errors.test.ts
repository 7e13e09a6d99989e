// Issue 14, point 4 on the real local stack: an uncaught exception in the demo CRM service (its
// POST /api/debug/crash, on with CRM_DEMO_CRASH_ROUTE=1: a timer callback of the request throws)
// reaches OpenSearch with its fingerprint and the trace id of the request, that trace is in
// Jaeger whole (its server span included, ended by the crash), and the process ends as Node ends the same service without the preload. Then the
// OpenSearch Dashboards objects for triage (otel-collector/opensearch-dashboards/saved-objects.ndjson:
// the "Uncaught errors" search, the per-hour trend and the per-fingerprint table on the 24 h
// dashboard) run against OpenSearch as Dashboards sends them and find this run's two crashes as one
// fingerprint. The local stack has no Dashboards; the import itself runs under compose.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, waitFor } from '@crm/test-kit';
import { getTrace, httpJson, osCount, osRefresh, osSearch, serviceOf, urls, type JaegerSpan, type OsQuery } from '../support/backends.ts';
import {
  FAST_EXPORT,
  SERVICE_DIR,
  api,
  createLead,
  exactly,
  newTraceParent,
  runId,
  startDemoServices,
  type TraceParent,
} from '../support/demo.ts';
import { fingerprint } from '@crm/otel-register/internal/fingerprint';
import { CRASH_STATUS } from '@crm/otel-register/internal/open-spans';

const RUN = runId('crash');
const CRM_INSTANCE = `${RUN}-crm`;
const INSTANCES = [CRM_INSTANCE, `${RUN}-enrichment`];
const LOGS = 'crm-app-logs-*';
const CRASH_ENV = { CRM_DEMO_CRASH_ROUTE: '1' };
const KIT = '[@crm/otel-register]';
const MESSAGE = "Cannot read properties of undefined (reading 'value')";

// ---- the saved objects ---------------------------------------------------------------------

interface SavedObject {
  type: string;
  id: string;
  attributes: {
    title: string;
    kibanaSavedObjectMeta?: { searchSourceJSON: string };
    columns?: string[];
    visState?: string;
    savedSearchRefName?: string;
    panelsJSON?: string;
    timeRestore?: boolean;
    timeFrom?: string;
    timeTo?: string;
  };
  references: Array<{ name: string; type: string; id: string }>;
}
interface VisAgg { id: string; type: string; schema: string; params: Record<string, unknown> }
interface VisState { title: string; type: string; aggs: VisAgg[] }

const OBJECTS = readFileSync(join(REPO, 'otel-collector', 'opensearch-dashboards', 'saved-objects.ndjson'), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l) as SavedObject);
const object = (type: string, id: string): SavedObject => {
  const o = OBJECTS.find((x) => x.type === type && x.id === id);
  assert.ok(o, `saved object ${type} ${id}`);
  return o;
};
const searchQuery = (search: SavedObject): string => {
  const source = JSON.parse(search.attributes.kibanaSavedObjectMeta!.searchSourceJSON) as { query: { query: string; language: string } };
  assert.equal(source.query.language, 'lucene');
  return source.query.query;
};
const DASHBOARD = object('dashboard', 'crm-uncaught-errors');

/** What Dashboards sends for a search or a visualization on the dashboard: the saved search's
 * Lucene query as query_string and the dashboard's time range (narrowed here to this run's services). */
function onDashboard(search: SavedObject): OsQuery {
  const time = DASHBOARD.attributes;
  return {
    bool: {
      must: [{ query_string: { query: searchQuery(search), analyze_wildcard: true } }],
      filter: [{ range: { '@timestamp': { gte: time.timeFrom, lte: time.timeTo } } }, exactly('resource.service.instance.id', INSTANCES)],
    },
  };
}

// Dashboards' interval units of a date histogram, as calendar intervals.
const INTERVALS: Record<string, string> = { m: '1m', h: '1h', d: '1d', w: '1w' };

/** A visualization's aggregations as the request body Dashboards builds from them: bucket
 * aggregations nested in their order, metrics (other than count) in the innermost. */
function aggsDsl(aggs: VisAgg[]): Record<string, unknown> {
  const count = aggs.find((a) => a.type === 'count');
  let inner: Record<string, unknown> = Object.fromEntries(
    aggs.filter((a) => a.schema === 'metric' && a.type !== 'count').map((a) => [a.id, { [a.type]: { field: a.params['field'] } }]),
  );
  for (const b of aggs.filter((a) => a.schema !== 'metric').reverse()) {
    const p = b.params;
    let body: Record<string, unknown>;
    if (b.type === 'terms') {
      const by = p['orderBy'] === count?.id ? '_count' : String(p['orderBy']);
      body = { terms: { field: p['field'], size: p['size'], order: { [by]: p['order'] } } };
    } else if (b.type === 'date_histogram') {
      const interval = INTERVALS[String(p['interval'])];
      assert.ok(interval, `date histogram interval ${String(p['interval'])}`);
      body = { date_histogram: { field: p['field'], calendar_interval: interval, min_doc_count: p['min_doc_count'] ?? 1 } };
    } else {
      throw new Error(`bucket aggregation ${b.type} is not translated here`);
    }
    inner = { [b.id]: Object.keys(inner).length ? { ...body, aggs: inner } : body };
  }
  return inner;
}

type Row = Record<string, unknown> & { count: number };

/** The response's buckets as table rows: one key per bucket aggregation id, the metrics' values by id. */
function rows(aggs: VisAgg[], response: Record<string, unknown>): Row[] {
  const buckets = aggs.filter((a) => a.schema !== 'metric');
  const metrics = aggs.filter((a) => a.schema === 'metric' && a.type !== 'count');
  const walk = (level: number, node: Record<string, unknown>, keys: Record<string, unknown>): Row[] => {
    if (level === buckets.length) {
      const values = Object.fromEntries(metrics.map((m) => [m.id, (node[m.id] as { value: number }).value]));
      return [{ ...keys, ...values, count: node['doc_count'] as number }];
    }
    const agg = buckets[level]!;
    return (node[agg.id] as { buckets: Array<Record<string, unknown>> }).buckets.flatMap((b) => walk(level + 1, b, { ...keys, [agg.id]: b['key'] }));
  };
  return walk(0, response, {});
}

async function runVisualization(id: string): Promise<{ vis: VisState; rows: Row[] }> {
  const visObject = object('visualization', id);
  const vis = JSON.parse(visObject.attributes.visState!) as VisState;
  const ref = visObject.references.find((r) => r.name === visObject.attributes.savedSearchRefName);
  assert.ok(ref, `${vis.title}: its saved search`);
  const search = object('search', ref.id);
  const { status, body } = await httpJson<{ aggregations: Record<string, unknown> }>(`${urls.opensearch()}/${LOGS}/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: 0, query: onDashboard(search), aggs: aggsDsl(vis.aggs) }),
  });
  assert.equal(status, 200, `${vis.title}: ${JSON.stringify(body)}`);
  return { vis, rows: rows(vis.aggs, body.aggregations) };
}

const aggId = (vis: VisState, type: string, field: string): string => {
  const a = vis.aggs.find((x) => x.type === type && x.params['field'] === field);
  assert.ok(a, `${vis.title}: a ${type} aggregation on ${field}`);
  return a.id;
};

// ---- the crashes -------------------------------------------------------------------------

interface Crash {
  traceparent?: TraceParent;
  answer: string;
  code: number | null;
  stderr: string;
}

/** Asks for the crash; the process ends before it can answer. */
async function requestCrash(base: string, traceparent?: TraceParent): Promise<string> {
  try {
    const r = await api(base, 'POST', '/api/debug/crash', undefined, traceparent ? { traceparent: traceparent.header } : {});
    return `HTTP ${r.status}`;
  } catch {
    return 'no answer';
  }
}

/** The CRM service without the preload (`node dist/server.js`, no OTEL_ or CRM_ settings but
 * the crash route's): what Node itself does. */
async function crashPlain(): Promise<Crash> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OTEL_|CRM_|NODE_OPTIONS$)/.test(k)));
  const child = spawn(process.execPath, [join(SERVICE_DIR, 'dist', 'server.js')], {
    cwd: SERVICE_DIR,
    env: { ...env, ...CRASH_ENV, CRM_PORT: '0', ENRICHMENT_URL: 'http://127.0.0.1:9' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const url = await waitFor(() => /"url":"(http:[^"]+)","msg":"crm-service listening"/.exec(stdout)?.[1], { what: `the plain service listening (${stderr})`, timeoutMs: 20_000, intervalMs: 50 });
    const answer = await requestCrash(url);
    const [code] = await exited;
    return { answer, code, stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Both demo services with the preload, as the e2e suite runs them; the CRM crashes in a request of a trace of ours. */
async function crashPreloaded(): Promise<Crash> {
  const demo = await startDemoServices({ runId: RUN, env: FAST_EXPORT, crmEnv: CRASH_ENV });
  try {
    // Ordinary error records of this run, which are not uncaught errors: the enrichment provider
    // fails (ERROR in the enrichment service, WARN in the CRM).
    await createLead(demo.crm.base, { source: 'website', email: 'grace@fail-provider.example' });
    const traceparent = newTraceParent();
    const answer = await requestCrash(demo.crm.base, traceparent);
    const { code } = await demo.crm.exited;
    // SIGTERM: the enrichment service flushes its records before it ends.
    demo.enrichment.child.kill('SIGTERM');
    await demo.enrichment.exited;
    return { traceparent, answer, code, stderr: demo.crm.stderr() };
  } finally {
    await demo.stop();
  }
}

const kitLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith(KIT));
const withoutKitLines = (stderr: string): string => stderr.split('\n').filter((l) => !l.startsWith(KIT)).join('\n');
/** Node's source excerpt above the report ("file:line", the line, a caret), which the preload's
 * report leaves out (README: JavaScript cannot read the throw site once the exception is caught). */
const withoutSourceExcerpt = (stderr: string): string => stderr.replace(/^\n?[^\n]+:\d+\n[^\n]*\n[ \t]*\^+\n\n?/, '');

interface Doc {
  traceId?: string;
  spanId?: string;
  body?: string;
  severity?: { text?: string; number?: number };
  attributes?: Record<string, unknown>;
  resource?: Record<string, unknown>;
  instrumentationScope?: { name?: string };
}

let plain: Crash;
const crashes: Crash[] = [];
let records: Array<Doc & { traceId: string }> = [];

before(async () => {
  plain = await crashPlain();
  // Two crashes in two processes: the same failure, so one fingerprint with two occurrences.
  crashes.push(await crashPreloaded(), await crashPreloaded());
  const mine = exactly('resource.service.instance.id', CRM_INSTANCE);
  records = await waitFor(async () => {
    await osRefresh(LOGS);
    const hits = await osSearch<Doc>(LOGS, { bool: { filter: [mine, { exists: { field: 'attributes.exception.fingerprint' } }] } }, 50);
    const errors = await osCount(LOGS, { bool: { filter: [exactly('resource.service.instance.id', INSTANCES), { match_phrase: { body: 'company data provider unavailable' } }] } });
    return hits.length >= crashes.length && errors >= crashes.length && hits.map((h) => h._source as Doc & { traceId: string });
  }, { what: 'the crash and enrichment error records of this run in OpenSearch', timeoutMs: 90_000, intervalMs: 1000 });
});

test('the crash ends the process as Node ends it without the preload: exit code 1 and Node\'s report', () => {
  assert.equal(plain.code, 1, plain.stderr);
  assert.equal(plain.answer, 'no answer');
  // Node's own report: where it was thrown, the error and its stack.
  const report = withoutSourceExcerpt(plain.stderr);
  assert.equal(report.split('\n')[0], `TypeError: ${MESSAGE}`, plain.stderr);
  assert.match(report, /\n {4}at Timeout\.recalculateForecast .*crm-app\.js:\d+:\d+\)\n/);
  for (const c of crashes) {
    assert.equal(c.code, 1, c.stderr);
    assert.equal(c.answer, 'no answer');
    // The same report, minus the source excerpt, at the end of stderr (the service's own earlier
    // warnings, if any, come before it); the register adds nothing to it but its own lines...
    const own = withoutKitLines(c.stderr);
    assert.equal(own.slice(own.indexOf(`TypeError: ${MESSAGE}\n`)), report, c.stderr);
    // ...and none of them says telemetry was lost: the record was flushed before the end.
    assert.deepEqual(kitLines(c.stderr).filter((l) => /not delivered/.test(l)), [], c.stderr);
  }
});

test('each crash reaches OpenSearch: type, message, stack, FATAL, the fingerprint of Node\'s stack and the trace id of the request', () => {
  const expected = fingerprint('TypeError', withoutSourceExcerpt(plain.stderr), SERVICE_DIR);
  assert.match(expected, /^[0-9a-f]{16}$/);
  for (const c of crashes) {
    const doc = records.find((r) => r.traceId === c.traceparent!.traceId);
    assert.ok(doc, `a record in the trace of the crashed request ${c.traceparent!.traceId}: ${JSON.stringify(records.map((r) => r.traceId))}`);
    assert.equal(doc.resource?.['service.name'], 'crm-service');
    assert.equal(doc.severity?.text, 'FATAL');
    assert.equal(doc.severity?.number, 21);
    assert.equal(doc.body, `uncaughtException: TypeError: ${MESSAGE}`);
    assert.equal(doc.instrumentationScope?.name, '@crm/otel-register');
    assert.equal(doc.attributes?.['exception.type'], 'TypeError');
    assert.equal(doc.attributes?.['exception.message'], MESSAGE);
    assert.match(String(doc.attributes?.['exception.stacktrace']), /^TypeError: .*\n {4}at Timeout\.recalculateForecast /);
    assert.equal(doc.attributes?.['exception.fingerprint'], expected, 'the fingerprint of the type and the top frames of Node\'s own report');
    assert.match(String(doc.spanId), /^[0-9a-f]{16}$/);
  }
  assert.equal(records.length, crashes.length, 'one record per crash');
});

test('the trace of the crashed request is in Jaeger, its span ended in error with the exception event', async () => {
  for (const c of crashes) {
    const traceId = c.traceparent!.traceId;
    const doc = records.find((r) => r.traceId === traceId)!;
    const trace = await waitFor(async () => {
      const t = await getTrace(traceId);
      return t?.spans.some((s) => s.logs.some((l) => l.fields.some((f) => f.key === 'event' && f.value === 'exception'))) && t;
    }, { what: `trace ${traceId} with the exception event in Jaeger`, timeoutMs: 60_000, intervalMs: 1000 });
    const span = trace.spans.find((s) => s.logs.some((l) => l.fields.some((f) => f.key === 'event' && f.value === 'exception')))!;
    assert.equal(serviceOf(trace, span), 'crm-service');
    assert.equal(span.spanID, doc.spanId, 'the log record names the span that carries the event');
    const event = Object.fromEntries(span.logs.find((l) => l.fields.some((f) => f.value === 'exception'))!.fields.map((f) => [f.key, f.value]));
    assert.equal(event['exception.fingerprint'], doc.attributes?.['exception.fingerprint']);
    assert.equal(event['exception.type'], 'TypeError');
    const tags = Object.fromEntries(span.tags.map((t) => [t.key, t.value]));
    assert.equal(tags['otel.status_code'], 'ERROR', JSON.stringify(span.tags));
  }
});

test('the whole trace of the crashed request is in Jaeger: its server span, ended by the crash, the failed span below it', async () => {
  const tagsOf = (span: JaegerSpan): Record<string, unknown> => Object.fromEntries(span.tags.map((t) => [t.key, t.value]));
  for (const c of crashes) {
    const { traceId, spanId: callerSpanId } = c.traceparent!;
    const doc = records.find((r) => r.traceId === traceId)!;
    // Before, the server span never ended, so it never left the process.
    const trace = await waitFor(async () => {
      const t = await getTrace(traceId);
      return t?.spans.some((s) => tagsOf(s)['span.kind'] === 'server') && t;
    }, { what: `the server span of trace ${traceId} in Jaeger`, timeoutMs: 60_000, intervalMs: 1000 });
    const server = trace.spans.find((s) => tagsOf(s)['span.kind'] === 'server')!;
    assert.equal(serviceOf(trace, server), 'crm-service');
    assert.deepEqual(server.references.map((r) => r.spanID), [callerSpanId], 'the child of the caller\'s traceparent');
    assert.equal(tagsOf(server)['otel.status_code'], 'ERROR');
    assert.equal(tagsOf(server)['otel.status_description'], CRASH_STATUS.uncaughtException);
    // From the span that carries the exception up to the server span, every parent is there.
    const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
    let span = byId.get(String(doc.spanId));
    const chain: string[] = [];
    while (span && span !== server) {
      chain.push(span.operationName);
      span = byId.get(span.references.find((r) => r.refType === 'CHILD_OF')?.spanID ?? '');
    }
    assert.equal(span, server, `the failed span descends from the server span: ${chain.join(' <- ')}`);
  }
});

test('OpenSearch maps exception.fingerprint as a keyword in every crm-app-logs index (terms aggregations work)', async () => {
  const { status, body } = await httpJson<Record<string, { mappings: Record<string, { mapping: Record<string, { type: string }> }> }>>(
    `${urls.opensearch()}/${LOGS}/_mapping/field/attributes.exception.fingerprint`,
  );
  assert.equal(status, 200);
  const types = Object.entries(body).flatMap(([index, m]) => Object.values(m.mappings).map((f) => [index, Object.values(f.mapping)[0]?.type]));
  assert.ok(types.length > 0, 'at least the index of this run maps it');
  for (const [index, type] of types) assert.equal(type, 'keyword', `${index}`);
});

test('"Uncaught errors" (saved search) finds this run\'s crash records and none of its other error records', async () => {
  const search = object('search', 'crm-uncaught-errors');
  const hits = await osSearch<Doc>(LOGS, onDashboard(search), 100);
  assert.deepEqual(hits.map((h) => h._source.traceId).sort(), crashes.map((c) => c.traceparent!.traceId).sort());
  // Its columns are on its records.
  for (const col of (search.attributes.columns ?? []).filter((c) => c.startsWith('attributes.'))) {
    assert.ok(hits.every((h) => h._source.attributes?.[col.slice('attributes.'.length)] !== undefined), col);
  }
  // The failed enrichment's ERROR (enrichment service) and WARN (CRM) records are left out.
  const others = await osCount(LOGS, { bool: { filter: [exactly('resource.service.instance.id', INSTANCES), { range: { 'severity.number': { gte: 13 } } }] } });
  assert.ok(others >= hits.length + 2 * crashes.length, `records of this run at WARN and above: ${others}, crashes: ${hits.length}`);
});

test('the 24 h dashboard: its trend per hour and its table group the two crashes under one fingerprint', async () => {
  const attrs = DASHBOARD.attributes;
  assert.equal(attrs.timeRestore, true);
  assert.equal(attrs.timeFrom, 'now-24h');
  const panels = JSON.parse(attrs.panelsJSON!) as Array<{ panelRefName: string }>;
  const onBoard = panels.map((p) => DASHBOARD.references.find((r) => r.name === p.panelRefName));
  for (const ref of onBoard) assert.ok(ref && object(ref.type, ref.id), `panel ${JSON.stringify(ref)} is in the file`);
  assert.deepEqual(onBoard.map((r) => r!.id).sort(), ['crm-uncaught-errors', 'crm-uncaught-errors-by-fingerprint', 'crm-uncaught-errors-trend']);
  const expected = String(records[0]!.attributes?.['exception.fingerprint']);

  // Trend: occurrences per hour, split by fingerprint.
  const trend = await runVisualization('crm-uncaught-errors-trend');
  const hour = aggId(trend.vis, 'date_histogram', '@timestamp');
  const byFp = aggId(trend.vis, 'terms', 'attributes.exception.fingerprint');
  const mineByHour = trend.rows.filter((r) => r[byFp] === expected);
  assert.equal(mineByHour.reduce((n, r) => n + r.count, 0), crashes.length, JSON.stringify(trend.rows));
  assert.deepEqual(trend.rows.filter((r) => r[byFp] !== expected), [], 'no other fingerprint in this run');
  for (const r of mineByHour) assert.ok(Date.now() - Number(r[hour]) < 2 * 3600_000, `bucket ${String(r[hour])} is this hour or the one before`);

  // Table: one row per fingerprint (and service) with its count, type, first and last seen.
  const table = await runVisualization('crm-uncaught-errors-by-fingerprint');
  const fp = aggId(table.vis, 'terms', 'attributes.exception.fingerprint');
  const type = aggId(table.vis, 'terms', 'attributes.exception.type');
  const service = aggId(table.vis, 'terms', 'resource.service.name');
  const last = aggId(table.vis, 'max', '@timestamp');
  const first = aggId(table.vis, 'min', '@timestamp');
  assert.equal(table.rows.length, 1, JSON.stringify(table.rows));
  const row = table.rows[0]!;
  assert.equal(row[fp], expected);
  assert.equal(row[type], 'TypeError');
  assert.equal(row[service], 'crm-service');
  assert.equal(row.count, crashes.length);
  assert.ok(Number(row[last]) > Number(row[first]), `last seen ${String(row[last])} after first seen ${String(row[first])}`);
  assert.ok(Date.now() - Number(row[last]) < 10 * 60_000, 'last seen: minutes ago');
});
