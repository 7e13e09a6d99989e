// Issue 2, points 3, 4, 7: Prometheus metrics, logs bridged with trace ids, redaction of secrets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { get, scrape, total } from '@crm/test-kit';
import { useRegisterHarness } from '../support/register-harness.ts';

const h = useRegisterHarness();
const app = (env: Record<string, string>) => h.app({ env });

describe('point 3: metrics', () => {
  test('/metrics serves HTTP server duration histograms with the route, and runtime metrics', async () => {
    const a = await app({ OTEL_SERVICE_NAME: 'metrics-app' });
    for (let i = 0; i < 3; i++) await get(`${a.base}/leads/${i}`);
    await get(`${a.base}/fail`);
    const samples = await scrape(a.metricsUrl);
    assert.equal(total(samples, 'http_server_request_duration_seconds_count', { http_route: '/leads/:id', http_request_method: 'GET', http_response_status_code: '200' }), 3);
    assert.equal(total(samples, 'http_server_request_duration_seconds_count', { http_route: '/fail', http_response_status_code: '500' }), 1);
    assert.ok(samples.some((s) => s.name === 'http_server_request_duration_seconds_bucket' && s.labels['le'] === '+Inf'));
    // Runtime metrics appear once their first sampling interval has data.
    const runtime = ['nodejs_eventloop_delay_p99_seconds', 'nodejs_eventloop_utilization_ratio', 'v8js_memory_heap_used_bytes'];
    let latest = samples;
    for (let i = 0; i < 50 && !runtime.every((r) => latest.some((s) => s.name === r)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      latest = await scrape(a.metricsUrl);
    }
    for (const r of runtime) assert.ok(latest.some((s) => s.name === r), `${r} exposed`);
  });

  test('the endpoint host and port come from OTEL_EXPORTER_PROMETHEUS_HOST/PORT', async () => {
    const a = await app({ OTEL_SERVICE_NAME: 'port-app' });
    const port = Number(new URL(a.metricsUrl).port);
    const samples = await scrape(`http://127.0.0.1:${port}/metrics`);
    assert.ok(samples.some((s) => s.name === 'target_info' && s.labels['service_name'] === 'port-app'));
  });

  test('OTEL_METRICS_EXPORTER=prometheus,otlp also pushes over OTLP', async () => {
    const a = await app({ OTEL_SERVICE_NAME: 'push-app', OTEL_METRICS_EXPORTER: 'prometheus,otlp' });
    await get(`${a.base}/leads/1`);
    const m = await h.receiver.waitFor('pushed http.server.request.duration', () =>
      h.receiver.metrics.find((x) => x.resource['service.name'] === 'push-app' && x.name === 'http.server.request.duration'),
    );
    assert.ok(m.dataPoints.some((p) => p.attributes['http.route'] === '/leads/:id'));
    assert.ok((await scrape(a.metricsUrl)).length > 0, 'Prometheus endpoint still served');
  });
});

describe('point 4: logs', () => {
  test('winston, pino and logs API records reach OTLP with the request trace and span ids', async () => {
    const a = await app({ OTEL_SERVICE_NAME: 'logs-app' });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await get(`${a.base}/call/11`, { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, baggage: 'tenant=acme' });
    const pinoLog = await h.receiver.waitFor('pino record', () => h.receiver.logs.find((l) => l.body === 'lead fetched by pino' && l.traceId === traceId));
    const winstonLog = await h.receiver.waitFor('winston record', () => h.receiver.logs.find((l) => l.body === 'lead fetched by winston' && l.traceId === traceId));
    // the server span ends after the handler's records: it may come in a later export
    await h.receiver.waitFor('the downstream server span', () =>
      h.receiver.spans.find((s) => s.traceId === traceId && s.attributes['http.route'] === '/leads/:id' && s.kind === 2),
    );
    // the records were written inside the Express handler span, a child of the server span
    for (const rec of [pinoLog, winstonLog]) {
      const span = h.receiver.spans.find((s) => s.spanId === rec.spanId);
      assert.ok(span && span.traceId === traceId, 'log span id is a span of the trace');
    }
    assert.equal(pinoLog.attributes['leadId'], '11');
    assert.equal((pinoLog.attributes['headers'] as Record<string, unknown>)['baggage'], 'tenant=acme', 'baggage propagated downstream');

    const res = await fetch(`${a.base}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'L-77' }) });
    assert.equal(res.status, 201);
    const direct = await h.receiver.waitFor('logs API record', () => h.receiver.logs.find((l) => l.body === 'lead created via the logs API'));
    assert.equal(direct.attributes['lead.id'], 'L-77');
    assert.match(direct.traceId, /^[0-9a-f]{32}$/);
  });
});

describe('point 7: redaction', () => {
  test('secret headers, query secrets and emails never leave, in spans or logs', async () => {
    const a = await app({
      OTEL_SERVICE_NAME: 'redact-app',
      OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS: 'authorization,cookie,x-api-key,x-tenant-secret,x-request-id',
      CRM_OTEL_REDACT_HEADERS: 'x-tenant-secret',
    });
    const secrets = {
      authorization: 'Bearer sekret-bearer-123',
      cookie: 'session=sekret-cookie-456',
      'x-api-key': 'sekret-apikey-789',
      'x-tenant-secret': 'sekret-tenant-000',
      'x-request-id': 'req-visible-1',
    };
    const url = `${a.base}/leads/21?token=sekret-token-1&signature=sekret-sig-2&page=2&email=jane.doe%40example.com`;
    assert.equal((await get(url, secrets)).status, 200);
    await h.receiver.waitFor('server span', () => h.receiver.spans.find((s) => s.resource['service.name'] === 'redact-app' && s.kind === 2));
    await h.receiver.waitFor('pino log', () => h.receiver.logs.find((l) => l.resource['service.name'] === 'redact-app' && l.body === 'lead fetched by pino'));
    await h.receiver.waitFor('winston log', () => h.receiver.logs.find((l) => l.resource['service.name'] === 'redact-app' && l.body === 'lead fetched by winston'));
    const all = h.receiver.everything();
    for (const leaked of ['sekret-bearer-123', 'sekret-cookie-456', 'sekret-apikey-789', 'sekret-tenant-000', 'sekret-token-1', 'sekret-sig-2', 'jane.doe', 'jane.doe%40example.com']) {
      assert.ok(!all.includes(leaked), `${leaked} must not be exported`);
    }
    const span = h.receiver.spans.find((s) => s.resource['service.name'] === 'redact-app' && s.kind === 2)!;
    assert.equal(span.attributes['http.request.header.x-request-id']?.toString(), 'req-visible-1', 'non-secret captured header kept');
    assert.match(String(span.attributes['url.query']), /page=2/, 'non-secret query values kept');
    assert.match(String(span.attributes['url.query']), /token=\[REDACTED\]/);
  });
});
