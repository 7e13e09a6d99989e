// Real OTLP/HTTP (JSON encoding) into the collector on :4318, checked in each backend's own API:
// traces with their parent/child link in Jaeger (health-check span filtered out), RED metrics
// from the spanmetrics connector and an app counter in Prometheus (through the collector's
// Prometheus exporter), application logs and business events in their own OpenSearch index
// families, and a bearer token and an e-mail address masked everywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getTrace, httpJson, osCount, osRefresh, osSearch, promQuery, promSeries, urls, type JaegerSpan,
  type JaegerTrace, type OsHit,
} from '../support/backends.ts';
import { REPO, componentBinary, freePort, scrape, stackPort, total, waitFor } from '@crm/test-kit';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

// One run's identifiers: nothing from an earlier run can satisfy an assertion.
const RUN = hex(4);
const SERVICE = `crm-routing-e2e-${RUN}`;
const TRACE_ID = hex(16);
const PARENT_ID = hex(8);
const CHILD_ID = hex(8);
const HEALTH_ID = hex(8);
const SECRET = `s3cr3tToken${RUN}xyz`;
const EMAIL = `jane.doe.${RUN}@example.com`;
const APP_LOG_BODY = `lead list served for run ${RUN}`;
const EVENT_BODY = `lead created in run ${RUN}`;

// ---------- OTLP/JSON requests ----------

type AnyValue = { stringValue: string } | { intValue: string } | { arrayValue: { values: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };
const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): KeyValue => ({ key, value: { intValue: String(value) } });

const nowNs = (offsetMs = 0): string => String((BigInt(Date.now()) + BigInt(offsetMs)) * 1_000_000n);
const resource = { attributes: [str('service.name', SERVICE), str('deployment.environment.name', 'e2e')] };
const scope = { name: 'collector-routing-e2e', version: '1.0.0' };

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_INTERNAL = 1;

function tracesRequest(): unknown {
  const start = nowNs(-300);
  return {
    resourceSpans: [{
      resource,
      scopeSpans: [{
        scope,
        spans: [
          {
            traceId: TRACE_ID, spanId: PARENT_ID, name: 'GET /leads', kind: SPAN_KIND_SERVER,
            startTimeUnixNano: start, endTimeUnixNano: nowNs(),
            attributes: [
              str('http.request.method', 'GET'), str('http.route', '/leads'), str('url.path', '/leads'),
              int('http.response.status_code', 200),
              // Must be masked by the collector's redaction processor.
              { key: 'http.request.header.authorization', value: { arrayValue: { values: [{ stringValue: `Bearer ${SECRET}` }] } } },
              str('enduser.email', EMAIL),
            ],
            status: {},
          },
          {
            traceId: TRACE_ID, spanId: CHILD_ID, parentSpanId: PARENT_ID, name: 'load leads', kind: SPAN_KIND_INTERNAL,
            startTimeUnixNano: nowNs(-250), endTimeUnixNano: nowNs(-50),
            attributes: [str('crm.operation', 'list-leads')],
            status: {},
          },
          {
            // A health check in the same trace: must be dropped by the filter processor.
            traceId: TRACE_ID, spanId: HEALTH_ID, parentSpanId: PARENT_ID, name: 'GET /healthz', kind: SPAN_KIND_SERVER,
            startTimeUnixNano: nowNs(-200), endTimeUnixNano: nowNs(-190),
            attributes: [str('http.request.method', 'GET'), str('url.path', '/healthz'), int('http.response.status_code', 200)],
            status: {},
          },
        ],
      }],
    }],
  };
}

// Resource attributes that change on every restart or describe process/host details: the
// collector's resource/drop-volatile processor must keep them out of Prometheus labels.
const VOLATILE = [
  str('service.instance.id', `instance-${RUN}`), int('process.pid', 4242), str('process.command_args', 'node app.js'),
  str('process.executable.name', 'node'), str('process.owner', 'crm'), str('process.runtime.version', '20.0.0'),
  str('host.id', `host-${RUN}`), str('host.arch', 'amd64'), str('os.type', 'linux'), str('os.version', '6.1'),
];

function metricsRequest(): unknown {
  return {
    resourceMetrics: [{
      resource: { attributes: [...resource.attributes, str('service.version', '1.2.3'), str('host.name', `box-${RUN}`), ...VOLATILE] },
      scopeMetrics: [{
        scope,
        metrics: [{
          name: 'crm.e2e.requests',
          description: 'Requests seen by the routing e2e test',
          unit: '1',
          sum: {
            aggregationTemporality: 2, // cumulative
            isMonotonic: true,
            dataPoints: [{
              asInt: '3', startTimeUnixNano: nowNs(-60_000), timeUnixNano: nowNs(),
              // An e-mail in a label must not reach Prometheus either.
              attributes: [str('run', RUN), str('contact', EMAIL)],
            }],
          },
        }],
      }],
    }],
  };
}

const SEVERITY_INFO = 9;

function logsRequest(): unknown {
  return {
    resourceLogs: [{
      resource,
      scopeLogs: [{
        scope,
        logRecords: [
          {
            timeUnixNano: nowNs(), severityNumber: SEVERITY_INFO, severityText: 'INFO',
            body: { stringValue: APP_LOG_BODY },
            attributes: [str('run', RUN), str('log.kind', 'app')],
            traceId: TRACE_ID, spanId: PARENT_ID,
          },
          {
            timeUnixNano: nowNs(), severityNumber: SEVERITY_INFO, severityText: 'INFO',
            body: { stringValue: EVENT_BODY },
            attributes: [str('run', RUN), str('event.name', 'crm.lead.created'), str('crm.lead.id', `lead-${RUN}`)],
            traceId: TRACE_ID, spanId: CHILD_ID,
          },
          {
            timeUnixNano: nowNs(), severityNumber: 13, severityText: 'WARN',
            body: { stringValue: `login for ${EMAIL} with Authorization: Bearer ${SECRET} rejected` },
            attributes: [
              str('run', RUN), str('log.kind', 'secret'),
              str('http.request.header.authorization', `Bearer ${SECRET}`),
              str('user.email', EMAIL),
              str('request.headers', `accept: */*; authorization: Bearer ${SECRET}`),
            ],
            traceId: TRACE_ID, spanId: PARENT_ID,
          },
        ],
      }],
    }],
  };
}

async function postOtlp(signal: 'traces' | 'metrics' | 'logs', body: unknown, base = urls.collectorOtlpHttp()): Promise<void> {
  const url = `${base}/v1/${signal}`;
  const res = await httpJson<Record<string, unknown> | undefined>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, `POST ${url} -> ${res.status}: ${JSON.stringify(res.body)}`);
  // A partial success names rejected items: none may be rejected.
  const partial = res.body?.partialSuccess as Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(partial ?? {})) {
    if (k.startsWith('rejected')) assert.equal(Number(v), 0, `${signal} partially rejected: ${JSON.stringify(partial)}`);
  }
}

function assertNoSecrets(what: string, json: string): void {
  assert.ok(!json.includes(SECRET), `${what} contains the bearer token:\n${json}`);
  assert.ok(!json.includes(EMAIL), `${what} contains the e-mail address:\n${json}`);
}

// ---------- OpenSearch documents as the opensearch exporter (ss4o mapping) writes them ----------

interface LogDoc {
  '@timestamp': string;
  traceId: string;
  spanId: string;
  body: string;
  severity: { text?: string; number?: number };
  attributes: Record<string, unknown>;
  resource: Record<string, string>;
}

const APP_LOGS = 'crm-app-logs-*';
const EVENTS = 'crm-business-events-*';
const byRun = { term: { 'attributes.run': RUN } };

async function docs(pattern: string): Promise<OsHit<LogDoc>[]> {
  await osRefresh(pattern);
  return osSearch<LogDoc>(pattern, byRun);
}

describe('collector routing: OTLP in, Jaeger / Prometheus / OpenSearch out', () => {
  before(async () => {
    await postOtlp('traces', tracesRequest());
    await postOtlp('metrics', metricsRequest());
    await postOtlp('logs', logsRequest());
  });

  test('Jaeger has the trace with the child linked to its parent, and no health-check span', async () => {
    const trace = await waitFor<JaegerTrace>(async () => {
      const t = await getTrace(TRACE_ID);
      return t && t.spans.length >= 2 ? t : undefined;
    }, { what: `trace ${TRACE_ID} with 2 spans in Jaeger`, timeoutMs: 60_000 });

    const byId = new Map<string, JaegerSpan>(trace.spans.map((s) => [s.spanID, s]));
    const parent = byId.get(PARENT_ID);
    const child = byId.get(CHILD_ID);
    assert.ok(parent, `parent span ${PARENT_ID} in ${JSON.stringify(trace.spans.map((s) => s.operationName))}`);
    assert.ok(child, `child span ${CHILD_ID}`);
    assert.equal(parent.operationName, 'GET /leads');
    assert.equal(trace.processes[parent.processID]?.serviceName, SERVICE);
    assert.deepEqual(
      child.references.map((r) => ({ refType: r.refType, traceID: r.traceID, spanID: r.spanID })),
      [{ refType: 'CHILD_OF', traceID: TRACE_ID, spanID: PARENT_ID }],
    );
    // Same export request as the two spans above: had it passed the filter, it would be here.
    assert.equal(byId.has(HEALTH_ID), false, 'the /healthz span reached Jaeger');
    assert.deepEqual(trace.spans.map((s) => s.operationName).sort(), ['GET /leads', 'load leads']);

    // The header value is still there, masked: redaction, not an attribute dropped elsewhere.
    const auth = parent.tags.find((t) => t.key === 'http.request.header.authorization');
    assert.ok(auth, `authorization tag kept (masked) on the parent span: ${JSON.stringify(parent.tags)}`);
    assert.match(String(auth.value), /\*\*\*\*/);
    assertNoSecrets('the Jaeger trace JSON', JSON.stringify(trace));
  });

  test('Prometheus has the app counter and spanmetrics RED series for the service, without the e-mail', async () => {
    const counter = await waitFor(async () => {
      const r = await promQuery(`crm_e2e_requests_total{service_name="${SERVICE}",run="${RUN}"}`);
      return r.length > 0 ? r : undefined;
    }, { what: `crm_e2e_requests_total for ${SERVICE} in Prometheus`, timeoutMs: 120_000, intervalMs: 2_000 });
    assert.equal(counter.length, 1);
    assert.equal(counter[0]!.value, 3);
    assert.equal(counter[0]!.metric.contact, '****', `contact label masked: ${JSON.stringify(counter[0]!.metric)}`);
    // Redaction bookkeeping must not become labels.
    assert.deepEqual(Object.keys(counter[0]!.metric).filter((k) => k.startsWith('redaction')), []);
    // Restart-volatile resource attributes are not labels; the stable ones are.
    const labels = counter[0]!.metric;
    assert.deepEqual(
      Object.keys(labels).filter((k) => /^(service_instance_id|process_|host_id|host_arch|os_)/.test(k)), [],
      `volatile resource attributes became labels: ${JSON.stringify(labels)}`,
    );
    assert.equal(labels.service_version, '1.2.3');
    assert.equal(labels.deployment_environment_name, 'e2e');
    assert.equal(labels.host_name, `box-${RUN}`);
    assert.notEqual(labels.instance, `instance-${RUN}`, 'service.instance.id must not reach the instance label');

    // The connector first exports a new series at 0, then the count: wait for the count.
    const calls = await waitFor(async () => {
      const r = await promQuery(`traces_span_metrics_calls_total{service_name="${SERVICE}"}`);
      const counted = (span: string): boolean => r.some((s) => s.metric.span_name === span && s.value > 0);
      return counted('GET /leads') && counted('load leads') ? r : undefined;
    }, { what: `traces_span_metrics_calls_total > 0 for both spans of ${SERVICE}`, timeoutMs: 120_000, intervalMs: 2_000 });
    const server = calls.find((s) => s.metric.span_name === 'GET /leads');
    assert.ok(server, `a calls series for span GET /leads in ${JSON.stringify(calls.map((c) => c.metric))}`);
    assert.equal(server.value, 1);
    assert.equal(server.metric.span_kind, 'SPAN_KIND_SERVER');
    assert.equal(server.metric.status_code, 'STATUS_CODE_UNSET');
    assert.equal(server.metric.http_route, '/leads');
    assert.equal(server.metric.http_response_status_code, '200');
    assert.ok(calls.some((s) => s.metric.span_name === 'load leads'), 'a calls series for the child span');
    assert.ok(!calls.some((s) => s.metric.span_name === 'GET /healthz'), 'no RED series for the filtered health check');

    const buckets = await promQuery(`traces_span_metrics_duration_seconds_bucket{service_name="${SERVICE}",span_name="GET /leads"}`);
    assert.ok(buckets.length > 1, 'duration histogram buckets for GET /leads');
    const inf = buckets.find((b) => b.metric.le === '+Inf');
    assert.equal(inf?.value, 1, 'one observation in the +Inf bucket');

    const series = await promSeries(`{service_name="${SERVICE}"}`);
    assert.ok(series.length >= 3, `series of ${SERVICE}: ${series.length}`);
    assertNoSecrets('the Prometheus series of the service', JSON.stringify(series));
  });

  test('OpenSearch: app logs only in crm-app-logs-*, the business event only in crm-business-events-*', async () => {
    const events = await waitFor(async () => {
      const hits = await docs(EVENTS);
      return hits.length >= 1 ? hits : undefined;
    }, { what: `the business event of run ${RUN} in ${EVENTS}`, timeoutMs: 60_000, intervalMs: 1_000 });
    const apps = await waitFor(async () => {
      const hits = await docs(APP_LOGS);
      return hits.length >= 2 ? hits : undefined;
    }, { what: `2 application logs of run ${RUN} in ${APP_LOGS}`, timeoutMs: 60_000, intervalMs: 1_000 });

    // Exactly the business event in its family, with its trace context and attributes.
    assert.equal(events.length, 1, `documents of run ${RUN} in ${EVENTS}: ${JSON.stringify(events)}`);
    const event = events[0]!;
    assert.match(event._index, /^crm-business-events-\d{4}\.\d{2}\.\d{2}$/);
    assert.equal(event._source.attributes['event.name'], 'crm.lead.created');
    assert.equal(event._source.attributes['crm.lead.id'], `lead-${RUN}`);
    assert.equal(event._source.traceId, TRACE_ID);
    assert.equal(event._source.spanId, CHILD_ID);
    assert.equal(event._source.body, EVENT_BODY);
    assert.equal(event._source.severity.text, 'INFO');
    assert.equal(event._source.resource['service.name'], SERVICE);

    // The same event is found the way users search for it: by event name and trace id.
    const found = await osSearch<LogDoc>(EVENTS, {
      bool: { filter: [{ term: { 'attributes.event.name': 'crm.lead.created' } }, { term: { traceId: TRACE_ID } }] },
    });
    assert.deepEqual(found.map((h) => h._id), [event._id]);

    // Both application logs, and no business event, in the application family.
    assert.equal(apps.length, 2, `documents of run ${RUN} in ${APP_LOGS}: ${JSON.stringify(apps)}`);
    for (const hit of apps) {
      assert.match(hit._index, /^crm-app-logs-\d{4}\.\d{2}\.\d{2}$/);
      assert.equal(hit._source.attributes['event.name'], undefined, 'no business event among app logs');
      assert.equal(hit._source.traceId, TRACE_ID);
      assert.equal(hit._source.spanId, PARENT_ID);
    }
    const appLog = apps.find((h) => h._source.attributes['log.kind'] === 'app');
    assert.equal(appLog?._source.body, APP_LOG_BODY);
    assert.equal(appLog?._source.severity.text, 'INFO');

    // The log that carried the secrets: kept, with every secret masked.
    const secretLog = apps.find((h) => h._source.attributes['log.kind'] === 'secret');
    assert.ok(secretLog, 'the log carrying the secret was indexed');
    assert.equal(secretLog._source.attributes['http.request.header.authorization'], '****');
    assert.equal(secretLog._source.body, 'login for **** with **** rejected');
    assert.match(String(secretLog._source.attributes['user.email']), /^\*\*\*\*$/);

    // Nothing in either family, fetched whole, contains the token or the address.
    const all = await osSearch(`${APP_LOGS},${EVENTS}`, byRun);
    assert.equal(all.length, 3);
    assertNoSecrets('the OpenSearch documents of this run', JSON.stringify(all));
    const leaked = await osSearch(`${APP_LOGS},${EVENTS}`, {
      simple_query_string: { query: `"${SECRET}" | "${EMAIL}"`, fields: ['*'], lenient: true },
    });
    assert.deepEqual(leaked, [], 'a full-text search for the token or address finds nothing');
  });
});

// ---------- a Jaeger outage: spans wait in the persistent queue, across a collector restart ----------

/** A private collector (own ports and queue dir) next to the stack's, so the stack is untouched. */
interface PrivateCollector { child: ChildProcess; exited: Promise<void>; output: () => string }

const BINARY = componentBinary('collector');

function startCollector(env: Record<string, string>): PrivateCollector {
  const child = spawn(BINARY, ['--config', join(REPO, 'otel-collector', 'config.yaml')], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, output: () => out };
}

describe('collector queue: spans sent while Jaeger is unreachable reach it after a collector restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'otelcol-queue-'));
  const traceId = hex(16);
  const spanId = hex(8);
  const service = `crm-queue-e2e-${RUN}`;
  let current: PrivateCollector | undefined;

  after(async () => {
    if (current && current.child.exitCode === null) {
      current.child.kill('SIGKILL');
      await current.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('queued on disk during the outage, delivered once Jaeger is reachable again', async () => {
    const ports = { grpc: await freePort(), http: await freePort(), health: await freePort(), telemetry: await freePort(), prom: await freePort() };
    const deadJaeger = await freePort(); // nothing listens here: the "outage"
    const env = (jaegerPort: number): Record<string, string> => ({
      COLLECTOR_OTLP_GRPC_PORT: String(ports.grpc),
      COLLECTOR_OTLP_HTTP_PORT: String(ports.http),
      COLLECTOR_HEALTH_PORT: String(ports.health),
      COLLECTOR_TELEMETRY_PORT: String(ports.telemetry),
      COLLECTOR_PROMETHEUS_EXPORTER_PORT: String(ports.prom),
      JAEGER_OTLP_GRPC_PORT: String(jaegerPort),
      OPENSEARCH_PORT: String(stackPort('OPENSEARCH_PORT')),
      CRM_STACK_DATA: dataDir,
    });
    const healthy = async (c: PrivateCollector): Promise<void> => {
      await waitFor(async () => {
        if (c.child.exitCode !== null) throw new Error(`collector exited:\n${c.output()}`);
        return (await fetch(`http://127.0.0.1:${ports.health}/`)).status === 200;
      }, { what: 'the private collector to be healthy', timeoutMs: 30_000 });
    };
    const telemetry = `http://127.0.0.1:${ports.telemetry}/metrics`;
    const queued = async (): Promise<number> => total(await scrape(telemetry), 'otelcol_exporter_queue_size', { exporter: 'otlp/jaeger' });

    // 1. Jaeger "down": the span is accepted and waits in the queue.
    current = startCollector(env(deadJaeger));
    await healthy(current);
    await postOtlp('traces', {
      resourceSpans: [{
        resource: { attributes: [str('service.name', service)] },
        scopeSpans: [{ scope, spans: [{ traceId, spanId, name: 'queued while jaeger is down', kind: SPAN_KIND_INTERNAL, startTimeUnixNano: nowNs(-20), endTimeUnixNano: nowNs(), status: {} }] }],
      }],
    }, `http://127.0.0.1:${ports.http}`);
    await waitFor(async () => (await queued()) >= 1, { what: 'otelcol_exporter_queue_size{exporter="otlp/jaeger"} >= 1', timeoutMs: 30_000 });
    assert.equal(await getTrace(traceId), undefined, 'Jaeger cannot have the span yet');

    // 2. The collector stops (SIGTERM) with the span still undelivered.
    current.child.kill('SIGTERM');
    await current.exited;

    // 3. Restarted with Jaeger reachable: the span comes out of the on-disk queue.
    current = startCollector(env(stackPort('JAEGER_OTLP_GRPC_PORT')));
    await healthy(current);
    const trace = await waitFor(() => getTrace(traceId), { what: `trace ${traceId} in Jaeger after the restart`, timeoutMs: 60_000 });
    assert.deepEqual(trace.spans.map((s) => s.spanID), [spanId]);
    assert.equal(trace.processes[trace.spans[0]!.processID]?.serviceName, service);
    await waitFor(async () => (await queued()) === 0, { what: 'the Jaeger queue to drain', timeoutMs: 30_000 });
  });
});

// ---------- an OpenSearch outage: logs wait in the crm_opensearch queue, none is lost ----------

/**
 * A TCP forwarder to the stack's OpenSearch that the test can take down and bring back on the
 * same port: for a collector pointed at it, "down" is exactly a stopped OpenSearch (connection
 * refused), while the shared OpenSearch keeps serving the other tests.
 */
class OpenSearchProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(readonly listenPort: number, private readonly targetPort: number) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Stops listening and cuts every open connection: new connections are refused. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('collector OpenSearch outage: logs sent while OpenSearch is unreachable all arrive afterwards', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'otelcol-os-outage-'));
  // One token (no hyphen): attributes.run is full-text analysed, and a term query must match it whole.
  const run = `outage${RUN}`;
  const service = `crm-os-outage-e2e-${RUN}`;
  let collector: PrivateCollector | undefined;
  let proxy: OpenSearchProxy | undefined;

  after(async () => {
    if (collector && collector.child.exitCode === null) {
      collector.child.kill('SIGTERM');
      await collector.exited;
    }
    await proxy?.down();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('30 s outage while events flow: every app log and business event is indexed once it ends', async (t) => {
    const ports = { grpc: await freePort(), http: await freePort(), health: await freePort(), telemetry: await freePort(), prom: await freePort() };
    proxy = new OpenSearchProxy(await freePort(), stackPort('OPENSEARCH_PORT'));
    await proxy.up();
    collector = startCollector({
      COLLECTOR_OTLP_GRPC_PORT: String(ports.grpc),
      COLLECTOR_OTLP_HTTP_PORT: String(ports.http),
      COLLECTOR_HEALTH_PORT: String(ports.health),
      COLLECTOR_TELEMETRY_PORT: String(ports.telemetry),
      COLLECTOR_PROMETHEUS_EXPORTER_PORT: String(ports.prom),
      JAEGER_OTLP_GRPC_PORT: String(stackPort('JAEGER_OTLP_GRPC_PORT')),
      OPENSEARCH_PORT: String(proxy.listenPort),
      CRM_STACK_DATA: dataDir,
    });
    const c = collector;
    await waitFor(async () => {
      if (c.child.exitCode !== null) throw new Error(`collector exited:\n${c.output()}`);
      return (await fetch(`http://127.0.0.1:${ports.health}/`)).status === 200;
    }, { what: 'the private collector to be healthy', timeoutMs: 30_000 });

    // Per request: 3 business events and 2 application logs; 10 requests, 3 s apart (30 s).
    const REQUESTS = 10;
    const EVENTS_PER = 3;
    const APPS_PER = 2;
    const request = (i: number): unknown => ({
      resourceLogs: [{
        resource: { attributes: [str('service.name', service)] },
        scopeLogs: [{
          scope,
          logRecords: [
            ...Array.from({ length: EVENTS_PER }, (_, j) => ({
              timeUnixNano: nowNs(), severityNumber: SEVERITY_INFO, severityText: 'INFO',
              body: { stringValue: `lead ${i}-${j} created during the outage` },
              attributes: [str('run', run), str('event.name', 'crm.lead.created'), str('crm.lead.id', `lead-${i}-${j}`), str('seq', `${i}-${j}`)],
            })),
            ...Array.from({ length: APPS_PER }, (_, j) => ({
              timeUnixNano: nowNs(), severityNumber: SEVERITY_INFO, severityText: 'INFO',
              body: { stringValue: `request ${i}-${j} served during the outage` },
              attributes: [str('run', run), str('log.kind', 'app'), str('seq', `${i}-${j}`)],
            })),
          ],
        }],
      }],
    });
    const byOutageRun = { term: { 'attributes.run': run } };
    const counts = async (): Promise<{ events: number; apps: number }> => {
      await osRefresh(`${EVENTS},${APP_LOGS}`);
      return { events: await osCount(EVENTS, byOutageRun), apps: await osCount(APP_LOGS, byOutageRun) };
    };

    // 1. The outage: OpenSearch unreachable for the collector, events keep flowing.
    await proxy.down();
    const outageStarted = Date.now();
    for (let i = 0; i < REQUESTS; i++) {
      await postOtlp('logs', request(i), `http://127.0.0.1:${ports.http}`);
      await new Promise((r) => setTimeout(r, 3_000));
    }
    // The outage was real: batches wait in the exporters' queues and nothing of this run
    // reached OpenSearch.
    const queued = (samples: Awaited<ReturnType<typeof scrape>>): number =>
      total(samples, 'otelcol_exporter_queue_size', { exporter: 'crm_opensearch/app-logs' })
      + total(samples, 'otelcol_exporter_queue_size', { exporter: 'crm_opensearch/business-events' });
    const waiting = queued(await scrape(`http://127.0.0.1:${ports.telemetry}/metrics`));
    assert.ok(waiting > 0, `no batch waiting in the crm_opensearch queues during the outage:\n${c.output()}`);
    assert.deepEqual(await counts(), { events: 0, apps: 0 }, 'documents of the run arrived while OpenSearch was unreachable');

    // 2. OpenSearch is back.
    await proxy.up();
    const outageEnded = Date.now();
    const expected = { events: REQUESTS * EVENTS_PER, apps: REQUESTS * APPS_PER };
    const arrived = await waitFor(async () => {
      const n = await counts();
      return n.events >= expected.events && n.apps >= expected.apps ? n : undefined;
    }, { what: `${expected.events} business events and ${expected.apps} app logs of run ${run} in OpenSearch`, timeoutMs: 180_000, intervalMs: 1_000 });
    const recoveredMs = Date.now() - outageEnded;
    t.diagnostic(`OpenSearch outage of ${Math.round((outageEnded - outageStarted) / 1000)} s: all ${expected.events + expected.apps} records indexed ${(recoveredMs / 1000).toFixed(1)} s after it ended`);

    // All of them, each exactly once, each in its own family.
    assert.deepEqual(arrived, expected);
    const events = await osSearch<LogDoc>(EVENTS, byOutageRun, 1000);
    const apps = await osSearch<LogDoc>(APP_LOGS, byOutageRun, 1000);
    const seqs = (hits: OsHit<LogDoc>[]): string[] => hits.map((h) => String(h._source.attributes.seq)).sort();
    const all = (per: number): string[] => Array.from({ length: REQUESTS }, (_, i) => Array.from({ length: per }, (_, j) => `${i}-${j}`)).flat().sort();
    assert.deepEqual(seqs(events), all(EVENTS_PER), 'every business event, once');
    assert.deepEqual(seqs(apps), all(APPS_PER), 'every application log, once');
    for (const h of events) {
      assert.match(h._index, /^crm-business-events-\d{4}\.\d{2}\.\d{2}$/);
      assert.equal(h._source.attributes['event.name'], 'crm.lead.created');
    }
    for (const h of apps) {
      assert.match(h._index, /^crm-app-logs-\d{4}\.\d{2}\.\d{2}$/);
      assert.equal(h._source.attributes['event.name'], undefined);
    }

    // The collector agrees: nothing dropped by crm_opensearch, and its queues are empty.
    const telemetry = await waitFor(async () => {
      const samples = await scrape(`http://127.0.0.1:${ports.telemetry}/metrics`);
      return queued(samples) === 0 ? samples : undefined;
    }, { what: 'the crm_opensearch queues to drain', timeoutMs: 30_000 });
    for (const exporter of ['crm_opensearch/app-logs', 'crm_opensearch/business-events']) {
      assert.equal(total(telemetry, 'otelcol_exporter_send_failed_log_records', { exporter }), 0, `${exporter} dropped records`);
    }
    assert.equal(total(telemetry, 'otelcol_exporter_sent_log_records', { exporter: 'crm_opensearch/business-events' }), expected.events);
    assert.equal(total(telemetry, 'otelcol_exporter_sent_log_records', { exporter: 'crm_opensearch/app-logs' }), expected.apps);
  });
});
