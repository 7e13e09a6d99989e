// Issue 2, points 1, 2, 5, 6, 8: preload both ways, traces over OTLP, instrumentations, resource, health paths.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpReceiver, get } from '@crm/test-kit';
import { useRegisterHarness } from '../support/register-harness.ts';

const h = useRegisterHarness();
const app = (file: string, env: Record<string, string> = {}, preload: 'require' | 'import' = 'require') => h.app({ file, env, preload });

const serverSpan = (route: string) => (s: { kind: number; attributes: Record<string, unknown> }) =>
  s.kind === 2 && s.attributes['http.route'] === route;

describe('point 1: preload with --require and --import', () => {
  test('a CommonJS Express app gets HTTP and Express spans with --require', async () => {
    const a = await app('crm-app.cjs', { OTEL_SERVICE_NAME: 'cjs-app' });
    assert.equal((await get(`${a.base}/leads/7`)).status, 200);
    const server = await h.receiver.waitFor('cjs server span', () =>
      h.receiver.spans.find((s) => s.resource['service.name'] === 'cjs-app' && serverSpan('/leads/:id')(s)),
    );
    const children = h.receiver.spans.filter((s) => s.traceId === server.traceId && s.scope.includes('express'));
    assert.ok(children.length > 0, 'express spans in the same trace');
  });

  test('an ESM Express app gets HTTP and Express spans with --import', async () => {
    const a = await app('crm-app.mjs', { OTEL_SERVICE_NAME: 'esm-app' }, 'import');
    assert.equal((await get(`${a.base}/leads/8`)).status, 200);
    const server = await h.receiver.waitFor('esm server span', () =>
      h.receiver.spans.find((s) => s.resource['service.name'] === 'esm-app' && serverSpan('/leads/:id')(s)),
    );
    const express = await h.receiver.waitFor('esm express spans', () => {
      const list = h.receiver.spans.filter((s) => s.traceId === server.traceId && s.scope.includes('express'));
      return list.length > 0 && list;
    });
    assert.ok(express.every((s) => s.parentSpanId !== ''), 'express spans have parents');
    await new Promise((r) => setTimeout(r, 300));
    const router = h.receiver.spans.filter((s) => s.traceId === server.traceId && s.scope.includes('instrumentation-router'));
    assert.equal(router.length, 0, 'no duplicate router spans under ESM either');
  });
});

describe('point 2: traces', () => {
  test('W3C traceparent is honoured; parent/child links across an outgoing call', async () => {
    const a = await app('crm-app.cjs', { OTEL_SERVICE_NAME: 'prop-app' });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await get(`${a.base}/call/9`, { traceparent: `00-${traceId}-b7ad6b7169203331-01`, baggage: 'tenant=acme' });
    const spans = await h.receiver.waitFor('the whole trace', () => {
      const list = h.receiver.spans.filter((s) => s.traceId === traceId);
      return list.some(serverSpan('/leads/:id')) && list.some(serverSpan('/call/:id')) && list;
    });
    const outer = spans.find(serverSpan('/call/:id'))!;
    assert.equal(outer.parentSpanId, 'b7ad6b7169203331', 'the incoming span continues the caller');
    const inner = spans.find(serverSpan('/leads/:id'))!;
    const client = spans.find((s) => s.spanId === inner.parentSpanId);
    assert.ok(client, 'the downstream server span has the client span as parent');
    assert.equal(client.kind, 3, 'parent is a CLIENT span');
  });

  test('http/json protocol and a per-signal endpoint are honoured', async () => {
    const other = await new OtlpReceiver().start();
    try {
      const a = await app('crm-app.cjs', {
        OTEL_SERVICE_NAME: 'json-app',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${other.endpoint}/v1/traces`,
      });
      await get(`${a.base}/leads/1`);
      await other.waitFor('span over JSON on the per-signal endpoint', () => other.spans.find(serverSpan('/leads/:id')));
      assert.ok(!h.receiver.spans.some((s) => s.resource['service.name'] === 'json-app'), 'not sent to the base endpoint');
    } finally {
      await other.stop();
    }
  });

  test('OTEL_TRACES_SAMPLER=always_off records no spans', async () => {
    const a = await app('crm-app.cjs', { OTEL_SERVICE_NAME: 'off-app', OTEL_TRACES_SAMPLER: 'always_off' });
    await get(`${a.base}/leads/1`);
    // logs still flow: wait for the request's pino record to know the export cycle ran
    await h.receiver.waitFor('a log of off-app', () => h.receiver.logs.find((l) => l.resource['service.name'] === 'off-app'));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(h.receiver.spans.filter((s) => s.resource['service.name'] === 'off-app').length, 0);
  });
});

describe('point 5: instrumentations', () => {
  test('middleware layers cost no span by default; router and handler spans stay', async () => {
    const a = await app('crm-app.cjs', { OTEL_SERVICE_NAME: 'layers-app' });
    await get(`${a.base}/leads/3`);
    const server = await h.receiver.waitFor('server span', () => h.receiver.spans.find((s) => s.resource['service.name'] === 'layers-app' && serverSpan('/leads/:id')(s)));
    const types = await h.receiver.waitFor('express spans', () => {
      const t = h.receiver.spans.filter((s) => s.traceId === server.traceId && s.scope.includes('express')).map((s) => String(s.attributes['express.type']));
      return t.length > 0 && t;
    });
    assert.ok(types.includes('request_handler'), `handler span present: ${types}`);
    assert.ok(!types.includes('middleware'), `no middleware spans: ${types}`);
    const routerSpans = h.receiver.spans.filter((s) => s.traceId === server.traceId && s.scope.includes('instrumentation-router'));
    assert.equal(routerSpans.length, 0, 'Express 5 layers are not wrapped a second time by instrumentation-router');
  });

  test('instrumentations load only for modules the app requires; fs/dns/net are off', async () => {
    const a = await app('crm-app.cjs', { OTEL_SERVICE_NAME: 'lazy-app' });
    const loaded = JSON.parse((await get(`${a.base}/modules`)).body) as string[];
    const has = (name: string) => loaded.some((m) => m.startsWith(`@opentelemetry/instrumentation-${name}/`));
    for (const used of ['http', 'express', 'pino', 'winston']) assert.ok(has(used), `${used} instrumentation loaded`);
    for (const unused of ['pg', 'mongodb', 'ioredis', 'graphql', 'kafkajs', 'fs', 'dns', 'net']) assert.ok(!has(unused), `${unused} not loaded`);
    assert.ok(!loaded.some((m) => m.startsWith('@opentelemetry/auto-instrumentations-node/')), 'auto-instrumentations-node index not loaded');
    assert.ok(!loaded.some((m) => m.startsWith('@opentelemetry/sdk-node/')), 'sdk-node not loaded');
  });

  test('OTEL_NODE_DISABLED_INSTRUMENTATIONS and OTEL_NODE_ENABLED_INSTRUMENTATIONS are honoured', async () => {
    const a = await app('crm-app.cjs', { OTEL_SERVICE_NAME: 'no-express', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express' });
    await get(`${a.base}/leads/4`);
    const server = await h.receiver.waitFor('server span', () => h.receiver.spans.find((s) => s.resource['service.name'] === 'no-express' && s.kind === 2));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(h.receiver.spans.filter((s) => s.traceId === server.traceId && s.scope.includes('express')).length, 0);

    const b = await app('crm-app.cjs', { OTEL_SERVICE_NAME: 'only-http', OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http' });
    const loaded = JSON.parse((await get(`${b.base}/modules`)).body) as string[];
    assert.ok(loaded.some((m) => m.startsWith('@opentelemetry/instrumentation-http/')));
    assert.ok(!loaded.some((m) => m.startsWith('@opentelemetry/instrumentation-express/')), 'express not enabled');
    assert.ok(!loaded.some((m) => m.startsWith('@opentelemetry/instrumentation-pino/')), 'pino not enabled');
  });
});

describe('point 6: resource', () => {
  test('service name and version from package.json, environment, host/process/os; no cloud detectors', async () => {
    const a = await app('crm-app.cjs', { NODE_ENV: 'staging' });
    await get(`${a.base}/leads/5`);
    const span = await h.receiver.waitFor('span of the package-named service', () => h.receiver.spans.find((s) => s.resource['service.name'] === 'fixture-crm-app'));
    const r = span.resource;
    assert.equal(r['service.version'], '1.2.3');
    assert.equal(r['deployment.environment.name'], 'staging');
    for (const key of ['host.name', 'process.pid', 'os.type', 'service.instance.id']) assert.ok(r[key] !== undefined, `${key} present`);
    assert.ok(!Object.keys(r).some((k) => k.startsWith('cloud.')), 'no cloud attributes');
    assert.equal(r['process.command_args'], undefined, 'command-line arguments (may hold secrets) are not recorded');
    assert.ok(r['process.executable.name'] !== undefined);
    const loaded = JSON.parse((await get(`${a.base}/modules`)).body) as string[];
    for (const cloud of ['aws', 'gcp', 'azure', 'alibaba-cloud']) {
      assert.ok(!loaded.some((m) => m.startsWith(`@opentelemetry/resource-detector-${cloud}/`)), `${cloud} detector not loaded`);
    }
  });

  test('OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win', async () => {
    const a = await app('crm-app.cjs', { OTEL_SERVICE_NAME: 'named', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,team=crm,service.instance.id=pod-7' });
    await get(`${a.base}/leads/5`);
    const span = await h.receiver.waitFor('named span', () => h.receiver.spans.find((s) => s.resource['service.name'] === 'named'));
    assert.equal(span.resource['deployment.environment.name'], 'prod');
    assert.equal(span.resource['team'], 'crm');
    assert.equal(span.resource['service.instance.id'], 'pod-7', 'a user-set instance id is not replaced');
  });
});

describe('point 8: health and scrape endpoints', () => {
  test('produce no spans by default, and the list is configurable', async () => {
    const a = await app('crm-app.cjs', { OTEL_SERVICE_NAME: 'health-app' });
    for (const p of ['/health', '/healthz', '/ready', '/live', '/ping', '/health/ready']) assert.equal((await get(`${a.base}${p}`)).status, 200);
    await get(`${a.base}/leads/1`);
    await h.receiver.waitFor('the non-health span', () => h.receiver.spans.find((s) => s.resource['service.name'] === 'health-app' && serverSpan('/leads/:id')(s)));
    await new Promise((r) => setTimeout(r, 300));
    const targets = h.receiver.spans.filter((s) => s.resource['service.name'] === 'health-app' && s.kind === 2).map((s) => String(s.attributes['url.path']));
    assert.deepEqual(targets, ['/leads/1']);

    const b = await app('crm-app.cjs', { OTEL_SERVICE_NAME: 'health-custom', CRM_OTEL_IGNORE_PATHS: '/ping' });
    await get(`${b.base}/health`);
    await get(`${b.base}/ping`);
    await h.receiver.waitFor('/health span when not ignored', () => h.receiver.spans.find((s) => s.resource['service.name'] === 'health-custom' && s.attributes['url.path'] === '/health'));
    assert.ok(!h.receiver.spans.some((s) => s.resource['service.name'] === 'health-custom' && s.attributes['url.path'] === '/ping'));
  });
});
