// Issue 5, point 3: the demo CRM services on the real local stack, asserted through each
// backend's own API (Prometheus, Jaeger, OpenSearch). One start of the two services serves every
// assertion. Exactness across reruns: Prometheus series are narrowed to this run's process with
// target_info{service_instance_id}, OpenSearch documents and Jaeger traces to this run's ids.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  findTraces, getTrace, httpJson, osCount, osRefresh, osSearch, promQuery, serviceOf, urls, type JaegerSpan,
  type JaegerTrace,
} from '../support/backends.ts';
import { waitFor } from '@crm/test-kit';
import {
  FAST_EXPORT, api, createLead, exactly, expectStatus, instanceIdOf, newTraceParent, runId, startDemoServices,
  type DemoServices,
} from '../support/demo.ts';

const RUN = runId('sig');
const SECRET = `s3cr3t-${RUN}`;
const EMAIL_LOCAL = `jane.${RUN.replace(/-/g, '.')}`;
const EMAIL = `${EMAIL_LOCAL}@example.org`;
const BUSINESS = 'crm-business-events-*';
const APP_LOGS = 'crm-app-logs-*';
// The sync source whose failures fire the alert (the other tests here do not sync from it).
const FAILING_SOURCE = 'zoominfo';

let demo: DemoServices;
let crmId = '';
let enrichmentId = '';
const startedAt = Date.now();
/** Lead creations of this run: lead id -> trace id the test sent in traceparent. */
const leads = new Map<string, string>();
const leadSources: Record<string, number> = { website: 3, referral: 2, linkedin: 1 };
const oppValues = [10_000, 30_000, 40_000, 300_000];
let securityTrace = '';
let stopInjector: (() => Promise<void>) | undefined;

/** Narrows an app metric selector to this run's crm-service (or enrichment) process. */
const ours = (expr: string, id = crmId): string => `(${expr}) and on (job, instance) target_info{service_instance_id="${id}"}`;

async function settle<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    last = await read();
  }
  return last;
}

const byLabel = async (expr: string, label: string): Promise<Record<string, number>> =>
  Object.fromEntries((await promQuery(expr)).map((s) => [s.metric[label] ?? '', s.value]));

function tag(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

function parentOf(span: JaegerSpan): string | undefined {
  return span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
}

async function waitTrace(traceId: string, check: (t: JaegerTrace) => boolean, what: string): Promise<JaegerTrace> {
  return waitFor(async () => {
    const t = await getTrace(traceId);
    return t && check(t) ? t : undefined;
  }, { what, timeoutMs: 45_000, intervalMs: 1000 });
}

before(async () => {
  demo = await startDemoServices({
    runId: RUN,
    env: {
      ...FAST_EXPORT,
      // Capture the sensitive request headers on server spans, so the security test can fail
      // if redaction breaks (without capture they would never be recorded at all).
      OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS: 'authorization,cookie,x-api-key,user-agent',
      ENRICHMENT_API_KEY: `${SECRET}-service-key`,
    },
  });
  crmId = await instanceIdOf(demo.crm.metricsPort);
  enrichmentId = await instanceIdOf(demo.enrichment.metricsPort);

  // The sync alert must be seen going from inactive to firing: wait out an alert of an earlier run.
  await waitFor(async () => !(await promQuery(`ALERTS{alertname="CrmLeadSyncFailures", source="${FAILING_SOURCE}"}`)).length, {
    what: `no CrmLeadSyncFailures alert for ${FAILING_SOURCE} left from an earlier run`,
    timeoutMs: 120_000,
    intervalMs: 2000,
  });
  // Failing syncs in the background while the other assertions run: half the records fail.
  let injecting = true;
  const injector = (async () => {
    while (injecting) {
      await expectStatus(api(demo.crm.base, 'POST', `/api/sync/${FAILING_SOURCE}`, { records: 20, failures: 10 }), 200, 'failing sync');
      await new Promise((r) => setTimeout(r, 3000));
    }
  })();
  stopInjector = async () => {
    injecting = false;
    await injector;
  };

  // Business traffic with known trace ids. Prometheus' increase() only counts what happens after
  // a counter's first scrape, so one lead (and one conversion) goes first and the rest follow once
  // Prometheus has seen the series: lead_conversion_rate then has increases to work with.
  const seen = (metric: string) =>
    waitFor(async () => (await promQuery(ours(metric))).length > 0, { what: `${metric} of this run in Prometheus`, timeoutMs: 30_000, intervalMs: 500 });
  let first = true;
  for (const [source, n] of Object.entries(leadSources)) {
    for (let i = 0; i < n; i++) {
      const tp = newTraceParent();
      const lead = await createLead(demo.crm.base, { source, email: `lead${i}@acme.com` }, { traceparent: tp.header });
      leads.set(lead.id, tp.traceId);
      if (first) await seen('leads_created_total');
      first = false;
    }
  }
  const [firstLead, secondLead] = [...leads.keys()];
  await expectStatus(api(demo.crm.base, 'POST', `/api/leads/${firstLead}/convert`), 201, 'convert');
  await seen('lead_conversions_total');
  await expectStatus(api(demo.crm.base, 'POST', `/api/leads/${secondLead}/convert`), 201, 'convert');
  const opps: string[] = [];
  for (const value of oppValues) {
    const r = await expectStatus(api(demo.crm.base, 'POST', '/api/opportunities', { name: 'Deal', value, currency: 'EUR' }), 201, 'opportunity');
    opps.push(String(r.body['id']));
  }
  await expectStatus(api(demo.crm.base, 'PATCH', `/api/opportunities/${opps[0]}/stage`, { stage: 'proposal' }), 200, 'stage change');
  await expectStatus(api(demo.crm.base, 'POST', `/api/opportunities/${opps[0]}/close`, { outcome: 'won' }), 200, 'close');

  // A request carrying every kind of secret and a clear email.
  const tp = newTraceParent();
  securityTrace = tp.traceId;
  const r = await api<{ id: string }>(
    demo.crm.base,
    'POST',
    `/api/leads?token=${SECRET}-token&code=${SECRET}-code`,
    { name: 'Jane Secret', email: EMAIL, company: 'Secret Corp', source: 'partner' },
    { traceparent: tp.header, authorization: `Bearer ${SECRET}-bearer`, cookie: `session=${SECRET}-cookie`, 'x-api-key': `${SECRET}-apikey` },
  );
  assert.equal(r.status, 201, JSON.stringify(r.body));
  leads.set(r.body.id, tp.traceId);
});

after(async () => {
  await stopInjector?.();
  await demo?.stop();
});

describe('Prometheus', () => {
  test('leads_created_total by source is exact for this run', async () => {
    const expected = { ...leadSources, partner: 1 };
    const actual = await settle(
      () => byLabel(ours('sum by (source, job, instance) (leads_created_total)'), 'source'),
      (v) => JSON.stringify(Object.entries(v).sort()) === JSON.stringify(Object.entries(expected).sort()),
    );
    assert.deepEqual(actual, expected);
  });

  test('opportunities_created_total by value_range is exact, with the currency label', async () => {
    const expected = { '0-25k': 1, '25k-50k': 2, '250k+': 1 };
    const actual = await settle(
      () => byLabel(ours('sum by (value_range, job, instance) (opportunities_created_total{currency="EUR", stage="prospecting"})'), 'value_range'),
      (v) => JSON.stringify(Object.entries(v).sort()) === JSON.stringify(Object.entries(expected).sort()),
    );
    assert.deepEqual(actual, expected);
    const closed = await promQuery(ours('opportunities_closed_total{outcome="won", currency="EUR"}'));
    assert.deepEqual(closed.map((s) => s.value), [1]);
  });

  test('HTTP server duration histograms carry routes, for both services', async () => {
    const leadsCount = leads.size;
    const count = await settle(
      () => byLabel(ours('sum by (http_route, job, instance) (http_server_request_duration_seconds_count{http_request_method="POST"})'), 'http_route'),
      (v) => v['/api/leads'] === leadsCount && v['/api/opportunities'] === oppValues.length,
    );
    assert.equal(count['/api/leads'], leadsCount, JSON.stringify(count));
    assert.equal(count['/api/opportunities'], oppValues.length);
    assert.equal(count['/api/leads/:id/convert'], 2);
    const inf = await promQuery(ours('sum by (job, instance) (http_server_request_duration_seconds_bucket{http_route="/api/leads", le="+Inf"})'));
    assert.deepEqual(inf.map((s) => s.value), [leadsCount], 'the +Inf bucket holds every request');
    const buckets = await promQuery(ours('http_server_request_duration_seconds_bucket{http_route="/api/leads", http_request_method="POST"}'));
    assert.ok(buckets.length > 5, `histogram buckets exist (${buckets.length})`);
    const enrichment = await settle(
      () => promQuery(ours('sum by (job, instance) (http_server_request_duration_seconds_count{http_route="/v1/companies/:domain"})', enrichmentId)),
      (v) => v[0]?.value === leadsCount,
    );
    assert.deepEqual(enrichment.map((s) => s.value), [leadsCount], 'the enrichment service served one lookup per lead');
  });

  test('spanmetrics count the server spans of this run', async () => {
    const expr = `sum by (span_name) (traces_span_metrics_calls_total{service_name="crm-service", deployment_environment_name="${crmId}", span_kind="SPAN_KIND_SERVER"})`;
    const calls = await settle(
      () => byLabel(expr, 'span_name'),
      (v) => v['POST /api/leads'] === leads.size && v['POST /api/opportunities'] === oppValues.length,
      60_000,
    );
    assert.equal(calls['POST /api/leads'], leads.size, JSON.stringify(calls));
    assert.equal(calls['POST /api/opportunities'], oppValues.length);
    const enrichment = await promQuery(
      `sum(traces_span_metrics_calls_total{service_name="crm-enrichment", deployment_environment_name="${enrichmentId}", span_name="GET /v1/companies/:domain"})`,
    );
    assert.deepEqual(enrichment.map((s) => s.value), [leads.size]);
    const duration = await promQuery(`sum(traces_span_metrics_duration_seconds_count{deployment_environment_name="${crmId}", span_name="POST /api/leads"})`);
    assert.deepEqual(duration.map((s) => s.value), [leads.size], 'the duration histogram counts the same spans');
  });

  test('lead_conversion_rate is recorded for 1d, 7d and 30d and equals its definition', async () => {
    const recorded = await waitFor(async () => {
      const s = await promQuery('lead_conversion_rate');
      return s.length === 3 ? s : undefined;
    }, { what: 'lead_conversion_rate for three timeframes', timeoutMs: 30_000, intervalMs: 1000 });
    assert.deepEqual(recorded.map((s) => s.metric['timeframe']).sort(), ['1d', '30d', '7d']);
    // The rule's value at its evaluation time equals the rule's expression evaluated by the query
    // API at that same timestamp, within 10%. The stored sample (a range selector returns it with
    // its own timestamp) is used, not an instant query's: that one is stamped with the query time,
    // up to one evaluation interval later, while the failing syncs above keep creating leads.
    // The 10% allow for a scrape stamped just before the evaluation but stored just after it,
    // which only the later query sees (rule evaluation has no read-after-write barrier).
    let mismatch = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const raw = await httpJson<{ data: { result: { values: [number, string][] }[] } }>(
        `${urls.prometheus()}/api/v1/query?${new URLSearchParams({ query: 'lead_conversion_rate{timeframe="1d"}[30s]' })}`,
      );
      const last = raw.body.data.result[0]?.values.at(-1);
      const rule = last && { timestamp: last[0], value: Number(last[1]) };
      assert.ok(rule && Number.isFinite(rule.value) && rule.value > 0, `lead_conversion_rate{timeframe="1d"} = ${rule?.value}`);
      const q = new URLSearchParams({
        query: '(sum(increase(lead_conversions_total[1d])) or vector(0)) / (sum(increase(leads_created_total[1d])) > 0)',
        time: String(rule.timestamp),
      });
      const direct = await httpJson<{ data: { result: { value: [number, string] }[] } }>(`${urls.prometheus()}/api/v1/query?${q}`);
      const value = Number(direct.body.data.result[0]?.value[1]);
      if (Math.abs(value - rule.value) <= 0.1 * value) return;
      mismatch = `rule ${rule.value} at ${rule.timestamp}, expression ${value}`;
      await new Promise((r) => setTimeout(r, 5000));
    }
    assert.fail(mismatch);
  });

  test('CrmLeadSyncFailures fires (ALERTS) while syncs from a source fail', async () => {
    const firing = await waitFor(async () => {
      const s = await promQuery(`ALERTS{alertname="CrmLeadSyncFailures", alertstate="firing", source="${FAILING_SOURCE}"}`);
      return s.length ? s : undefined;
    }, { what: 'the CrmLeadSyncFailures alert firing', timeoutMs: 150_000, intervalMs: 2000 });
    assert.equal(firing[0]!.metric['severity'], 'warning');
    const failed = await promQuery(ours(`lead_sync_total{source="${FAILING_SOURCE}", status="failed"}`));
    assert.ok((failed[0]?.value ?? 0) >= 10, 'this run injected the failures');
    // It went active after this run started (not a leftover).
    const alerts = await httpJson<{ data: { alerts: { labels: Record<string, string>; state: string; activeAt: string }[] } }>(
      `${urls.prometheus()}/api/v1/alerts`,
    );
    const alert = alerts.body.data.alerts.find((a) => a.labels['alertname'] === 'CrmLeadSyncFailures' && a.labels['source'] === FAILING_SOURCE);
    assert.ok(alert && Date.parse(alert.activeAt) >= startedAt - 1000, JSON.stringify(alert));
  });
});

describe('Jaeger', () => {
  test('one lead creation is one trace across both services, with parent/child links and business span events', async () => {
    const [leadId, traceId] = [...leads.entries()][0]!;
    const trace = await waitTrace(
      traceId,
      (t) => t.spans.some((s) => serviceOf(t, s) === 'crm-enrichment' && tag(s, 'span.kind') === 'server') && t.spans.some((s) => tag(s, 'span.kind') === 'client'),
      `trace ${traceId} with spans of both services`,
    );
    const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
    const services = new Set(trace.spans.map((s) => serviceOf(trace, s)));
    assert.deepEqual([...services].sort(), ['crm-enrichment', 'crm-service']);

    const server = trace.spans.find((s) => serviceOf(trace, s) === 'crm-service' && tag(s, 'span.kind') === 'server');
    assert.ok(server, 'crm-service server span');
    assert.equal(server.operationName, 'POST /api/leads');
    assert.equal(tag(server, 'http.route'), '/api/leads');
    assert.ok(parentOf(server), 'the server span has the caller (the test) as parent');

    const remote = trace.spans.find((s) => serviceOf(trace, s) === 'crm-enrichment' && tag(s, 'span.kind') === 'server')!;
    assert.equal(remote.operationName, 'GET /v1/companies/:domain');
    const client = byId.get(parentOf(remote) ?? '');
    assert.ok(client, 'the enrichment server span has a parent in this trace');
    assert.equal(serviceOf(trace, client), 'crm-service');
    assert.equal(tag(client, 'span.kind'), 'client', 'its parent is the CRM client span');
    // Walking up from the client span reaches the CRM server span.
    let cursor: JaegerSpan | undefined = client;
    const chain: string[] = [];
    while (cursor && cursor.spanID !== server.spanID) {
      chain.push(cursor.operationName);
      cursor = byId.get(parentOf(cursor) ?? '');
    }
    assert.equal(cursor?.spanID, server.spanID, `client span descends from the server span (chain: ${chain.join(' <- ')})`);

    const withEvent = trace.spans.find((s) => s.logs.some((l) => l.fields.some((f) => f.key === 'event' && f.value === 'crm.lead.created')));
    assert.ok(withEvent, 'a span carries the crm.lead.created event');
    assert.equal(serviceOf(trace, withEvent), 'crm-service');
    const event = withEvent.logs.find((l) => l.fields.some((f) => f.value === 'crm.lead.created'))!;
    assert.equal(event.fields.find((f) => f.key === 'crm.lead.id')?.value, leadId);
  });

  test('the server span continues the caller trace: its parent is the span id sent in traceparent', async () => {
    const tp = newTraceParent();
    const r = await api<{ id: string }>(demo.crm.base, 'POST', '/api/leads', { name: 'Parent Check', email: 'p@acme.com', company: 'Acme', source: 'event' }, { traceparent: tp.header });
    assert.equal(r.status, 201);
    const trace = await waitTrace(tp.traceId, (t) => t.spans.some((s) => tag(s, 'span.kind') === 'server' && serviceOf(t, s) === 'crm-service'), 'parent check trace');
    const server = trace.spans.find((s) => tag(s, 'span.kind') === 'server' && serviceOf(trace, s) === 'crm-service')!;
    assert.equal(parentOf(server), tp.spanId);
    leads.set(r.body.id, tp.traceId);
  });
});

describe('OpenSearch', () => {
  test('exactly one crm.lead.created document per lead, each with a trace id found in Jaeger', async () => {
    const ids = [...leads.keys()];
    const query = { bool: { filter: [exactly('attributes.event.name', 'crm.lead.created'), exactly('attributes.crm.lead.id', ids)] } };
    const count = await settle(async () => {
      await osRefresh(BUSINESS);
      return osCount(BUSINESS, query);
    }, (n) => n >= ids.length);
    assert.equal(count, ids.length);
    const docs = await osSearch<{ traceId: string; attributes: Record<string, unknown> }>(BUSINESS, query, 500);
    for (const doc of docs) {
      const leadId = String(doc._source.attributes['crm.lead.id']);
      assert.equal(doc._source.traceId, leads.get(leadId), `trace id of the document for ${leadId}`);
      assert.ok(await getTrace(doc._source.traceId), `trace ${doc._source.traceId} is in Jaeger`);
    }
    // Business events are not in the application log index.
    assert.equal(await osCount(APP_LOGS, query), 0);
  });

  test('application logs are in their own index, with trace ids', async () => {
    const pino = exactly('instrumentationScope.name', '@opentelemetry/instrumentation-pino');
    const query = { bool: { filter: [exactly('resource.service.instance.id', crmId), pino, { match_phrase: { body: 'lead created' } }] } };
    const count = await settle(async () => {
      await osRefresh(APP_LOGS);
      return osCount(APP_LOGS, query);
    }, (n) => n >= leads.size);
    assert.equal(count, leads.size, 'one "lead created" log line per lead');
    const docs = await osSearch<{ traceId: string }>(APP_LOGS, query, 500);
    const traceIds = new Set(leads.values());
    for (const doc of docs) assert.ok(traceIds.has(doc._source.traceId), `log line trace id ${doc._source.traceId} is one of this run's`);
    const anyPinoLine = { bool: { filter: [exactly('resource.service.instance.id', [crmId, enrichmentId]), pino] } };
    assert.ok((await osCount(APP_LOGS, anyPinoLine)) > leads.size, 'the services\' other log lines are in the application index');
    assert.equal(await osCount(BUSINESS, anyPinoLine), 0, 'application logs are not in the business events index');
  });
});

describe('security', () => {
  test('no Authorization, Cookie, X-Api-Key, token value or clear email reaches Jaeger or OpenSearch', async () => {
    const trace = await waitTrace(
      securityTrace,
      (t) => t.spans.some((s) => serviceOf(t, s) === 'crm-enrichment' && tag(s, 'span.kind') === 'server'),
      'the trace of the request with secrets',
    );
    const server = trace.spans.find((s) => serviceOf(trace, s) === 'crm-service' && tag(s, 'span.kind') === 'server')!;
    // The headers were captured (so the check below can fail) and their values replaced.
    for (const h of ['authorization', 'cookie', 'x-api-key']) {
      const v = tag(server, `http.request.header.${h}`);
      assert.ok(v !== undefined, `http.request.header.${h} is recorded on the server span`);
      assert.ok(!JSON.stringify(v).includes(SECRET), `http.request.header.${h} is redacted: ${JSON.stringify(v)}`);
    }
    assert.ok(trace.spans.some((s) => JSON.stringify(s.tags).includes('token=')), 'the query string is recorded');

    const leaks = (text: string): string[] => [SECRET, EMAIL_LOCAL, EMAIL].filter((s) => text.includes(s));
    const recent = [trace, ...(await findTraces('crm-service', { limit: 200, lookback: '15m' })), ...(await findTraces('crm-enrichment', { limit: 200, lookback: '15m' }))];
    assert.deepEqual(leaks(JSON.stringify(recent)), [], 'Jaeger traces contain no secret and no clear email');

    await osRefresh('crm-*');
    const docs = await osSearch('crm-app-logs-*,crm-business-events-*', exactly('resource.service.instance.id', [crmId, enrichmentId]), 2000);
    const ofRequest = docs.filter((d) => (d._source as { traceId?: string }).traceId === securityTrace);
    assert.ok(ofRequest.length >= 3, `the request's log records are in OpenSearch (${ofRequest.length})`);
    assert.ok(JSON.stringify(ofRequest).includes('token='), 'the access log line with the query string is there');
    assert.deepEqual(leaks(JSON.stringify(docs)), [], 'OpenSearch documents contain no secret and no clear email');
  });
});
