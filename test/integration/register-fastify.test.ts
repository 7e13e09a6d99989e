// Issue 12: a Fastify 5 app gets its routes through Fastify's own instrumentation (@fastify/otel),
// loaded only once the app requires fastify: server spans named after the route with http.route,
// the request and handler spans under them (and the handler's own calls under the handler),
// http_route on the HTTP duration histogram, and the health paths without any span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, scrape, total } from '@crm/test-kit';
import { useRegisterHarness } from '../support/register-harness.ts';

const h = useRegisterHarness();

test('Fastify 5: routes on server spans and metrics, request and handler spans under them, loaded on require', async () => {
  const a = await h.app({ file: 'fastify-app.cjs', env: { OTEL_SERVICE_NAME: 'fastify-app' } });
  assert.match(a.stdout(), /FASTIFY_OTEL_BEFORE false/, 'not loaded before the app requires fastify');
  assert.match(a.stdout(), /FASTIFY_OTEL_AFTER true/, 'loaded once it does');

  assert.equal((await get(`${a.base}/leads/7`)).status, 200);
  assert.equal((await fetch(`${a.base}/leads`, { method: 'POST' })).status, 201);
  const mine = () => h.receiver.spans.filter((s) => s.resource['service.name'] === 'fastify-app');
  const server = await h.receiver.waitFor('GET server span', () => mine().find((s) => s.kind === 2 && s.attributes['url.path'] === '/leads/7'));
  assert.equal(server.name, 'GET /leads/:id');
  assert.equal(server.attributes['http.route'], '/leads/:id');
  assert.equal(server.scope, '@opentelemetry/instrumentation-http');
  const post = await h.receiver.waitFor('POST server span', () => mine().find((s) => s.kind === 2 && s.attributes['http.request.method'] === 'POST'));
  assert.equal(post.name, 'POST /leads');

  const trace = await h.receiver.waitFor('client span of the handler', () => {
    const list = mine().filter((s) => s.traceId === server.traceId);
    return list.some((s) => s.kind === 3) && list;
  });
  const request = trace.find((s) => s.scope === '@fastify/otel' && s.name === 'request');
  assert.ok(request, `a Fastify request span (got ${trace.map((s) => `${s.scope}:${s.name}`).join(', ')})`);
  assert.equal(request.parentSpanId, server.spanId, 'the request span is under the server span');
  assert.equal(request.kind, 1, 'INTERNAL: one SERVER span per request');
  const hook = trace.find((s) => s.name === 'preHandler - checkTenant');
  assert.equal(hook?.parentSpanId, request.spanId, 'the hook span is under the request span');
  const handler = trace.find((s) => s.name === 'handler - getLead');
  assert.equal(handler?.parentSpanId, request.spanId, 'the handler span is under the request span');
  assert.equal(handler.attributes['http.route'], '/leads/:id');
  const client = trace.find((s) => s.kind === 3)!;
  assert.equal(client.parentSpanId, handler.spanId, "the handler's outgoing call is under the handler span");

  const samples = await scrape(a.metricsUrl);
  assert.equal(total(samples, 'http_server_request_duration_seconds_count', { http_route: '/leads/:id', http_request_method: 'GET' }), 1);
  assert.equal(total(samples, 'http_server_request_duration_seconds_count', { http_route: '/leads', http_request_method: 'POST' }), 1);

  // The handler called /health: neither the HTTP nor the Fastify instrumentation records it.
  await new Promise((r) => setTimeout(r, 300));
  const forHealth = mine().filter((s) => s.kind !== 3 && (s.attributes['url.path'] === '/health' || s.attributes['http.route'] === '/health'));
  assert.deepEqual(forHealth.map((s) => `${s.scope}: ${s.name}`), []);
});

test('Fastify 5 as an ES module under --import: the same route on the server span, the handler under it', async () => {
  const a = await h.app({ file: 'fastify-app.mjs', preload: 'import', env: { OTEL_SERVICE_NAME: 'fastify-esm' } });
  assert.equal((await get(`${a.base}/leads/9`)).status, 200);
  const mine = () => h.receiver.spans.filter((s) => s.resource['service.name'] === 'fastify-esm');
  const server = await h.receiver.waitFor('ESM server span', () => mine().find((s) => s.kind === 2));
  assert.equal(server.name, 'GET /leads/:id');
  assert.equal(server.attributes['http.route'], '/leads/:id');
  const handler = await h.receiver.waitFor('ESM handler span', () => mine().find((s) => s.name === 'handler - getLead'));
  const request = mine().find((s) => s.spanId === handler.parentSpanId);
  assert.equal(request?.name, 'request');
  assert.equal(request.parentSpanId, server.spanId);
});
