// The register's configuration: defaults, standard variables, and one clear line per bad value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from '../../packages/otel-register/src/redaction.ts';
import { readConfig } from '../../packages/otel-register/src/config.ts';

const read = (env: Record<string, string>, known: string[] = ['http', 'express', 'fs', 'pg']) => readConfig({ env }, known);

test('defaults: OTLP http/protobuf to localhost:4318, Prometheus on 9464, parent-based always-on sampling', () => {
  const { config, problems } = read({});
  assert.deepEqual(problems, []);
  assert.equal(config.traces.otlp.url, 'http://localhost:4318/v1/traces');
  assert.equal(config.traces.otlp.protocol, 'http/protobuf');
  assert.equal(config.logs.otlp.url, 'http://localhost:4318/v1/logs');
  assert.deepEqual(config.metrics.prometheus, { host: '0.0.0.0', port: 9464 });
  assert.equal(config.metrics.otlp, undefined);
  assert.equal(config.sampler.name, 'parentbased_always_on');
  assert.deepEqual(config.propagators, ['tracecontext', 'baggage']);
  assert.equal(config.shutdownTimeoutMillis, 5000);
  assert.ok(!config.resourceDetectors.some((d) => ['aws', 'gcp', 'azure', 'alibaba'].includes(d)), 'no cloud detectors by default');
});

test('base endpoint gets /v1/<signal>; a per-signal endpoint is used as is; protocols per signal', () => {
  const { config } = read({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'https://logs.example/ingest',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
    OTEL_METRICS_EXPORTER: 'prometheus,otlp',
  });
  assert.deepEqual(config.traces.otlp, { url: 'http://collector:4318/', protocol: 'grpc' });
  assert.deepEqual(config.metrics.otlp, { url: 'http://collector:4318/v1/metrics', protocol: 'http/json' });
  assert.deepEqual(config.logs.otlp, { url: 'https://logs.example/ingest', protocol: 'http/json' });
});

test('sampler ratio and batch settings', () => {
  const { config, problems } = read({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25', OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '50' });
  assert.deepEqual(problems, []);
  assert.deepEqual(config.sampler, { name: 'parentbased_traceidratio', ratio: 0.25 });
  assert.equal(config.traces.batch.maxQueueSize, 100);
  assert.equal(config.traces.batch.maxExportBatchSize, 50);
});

test('every bad value: one line with variable, value, what is accepted and what is used', () => {
  const { config, problems } = read({
    OTEL_TRACES_SAMPLER: 'sometimes',
    OTEL_EXPORTER_PROMETHEUS_PORT: '70000',
    OTEL_METRICS_EXPORTER: 'prometheus,statsd',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x',
    OTEL_SDK_DISABLED: 'maybe',
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,expresss',
    OTEL_PROPAGATORS: 'tracecontext,b3',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '5000',
  });
  const expected = [
    'OTEL_EXPORTER_OTLP_ENDPOINT="ftp://x" is invalid: accepted an http:// or https:// URL; using http://localhost:4318',
    'OTEL_TRACES_SAMPLER="sometimes" is invalid: accepted one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; using parentbased_always_on',
    'OTEL_METRICS_EXPORTER="statsd" is invalid: accepted a comma list of prometheus, otlp, console, none; using the other listed values',
    'OTEL_EXPORTER_PROMETHEUS_PORT="70000" is invalid: accepted an integer from 0 to 65535; using 9464',
    'OTEL_PROPAGATORS="b3" is invalid: accepted tracecontext, baggage, none; using the other listed propagators',
    'OTEL_SDK_DISABLED="maybe" is invalid: accepted true or false; using false',
    'OTEL_BSP_MAX_EXPORT_BATCH_SIZE="5000" is invalid: accepted at most OTEL_BSP_MAX_QUEUE_SIZE (2048); using 2048',
    'OTEL_NODE_ENABLED_INSTRUMENTATIONS="expresss" is invalid: accepted names from: http, express, fs, pg; using the other listed names',
  ];
  assert.deepEqual([...problems].sort(), expected.sort());
  assert.equal(config.metrics.prometheus?.port, 9464);
  assert.deepEqual(config.instrumentations.enabled, ['http']);
});

test('redaction lists extend the defaults; detectors "all" never adds cloud ones unless named', () => {
  const { config } = read({ CRM_OTEL_REDACT_HEADERS: 'X-Tenant-Ref', CRM_OTEL_REDACT_QUERY_KEYS: 'ssn', OTEL_NODE_RESOURCE_DETECTORS: 'all' });
  // The built-in lists live in @crm/redact; the variables add to them.
  const redactor = createRedactor(config.redaction);
  assert.ok(redactor.isSecretKey('http.request.header.authorization'));
  assert.ok(redactor.isSecretKey('http.request.header.x-tenant-ref'));
  assert.ok(!createRedactor(read({}).config.redaction).isSecretKey('http.request.header.x-tenant-ref'));
  assert.equal(redactor.text('/a?token=t&ssn=123&page=2'), '/a?token=[REDACTED]&ssn=[REDACTED]&page=2');
  assert.ok(!config.resourceDetectors.includes('aws'));
  assert.ok(read({ OTEL_NODE_RESOURCE_DETECTORS: 'env,aws' }).config.resourceDetectors.includes('aws'));
});
