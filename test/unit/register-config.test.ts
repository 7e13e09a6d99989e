// The register's configuration: defaults, standard variables, and one clear line per bad value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from '@crm/otel-register/internal/redaction';
import { readConfig } from '@crm/otel-register/internal/config';

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
  const defaults = { timeoutMillis: 10_000, compression: 'none' };
  assert.deepEqual(config.traces.otlp, { url: 'http://collector:4318/', protocol: 'grpc', ...defaults });
  assert.deepEqual(config.metrics.otlp, { url: 'http://collector:4318/v1/metrics', protocol: 'http/json', ...defaults });
  assert.deepEqual(config.logs.otlp, { url: 'https://logs.example/ingest', protocol: 'http/json', ...defaults });
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

// Issue 10, point 7: variables that accepted garbage silently now get their line.

test('OTEL_RESOURCE_ATTRIBUTES: a bad entry is named and dropped, the others kept', () => {
  const { config, problems } = read({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=%zz,team=crm, ,a=b=c,=x,region=eu%2Dwest,noequals' });
  assert.deepEqual(config.resourceAttributes, { team: 'crm', region: 'eu-west' });
  const accepted = "accepted key=value entries separated by ',', with ',', '=' and '%' percent-encoded and key and value at most 255 characters; using the other entries";
  assert.deepEqual(problems, ['service.name=%zz', 'a=b=c', '=x', 'noequals'].map((e) => `OTEL_RESOURCE_ATTRIBUTES=${JSON.stringify(e)} is invalid: ${accepted}`));
  assert.deepEqual(read({ OTEL_RESOURCE_ATTRIBUTES: `k=${'v'.repeat(256)},ok=1` }).config.resourceAttributes, { ok: '1' });
});

test('OTLP timeout and compression: validated per signal, the shared value as fallback, passed as numbers', () => {
  const { config, problems } = read({
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2147483648', // would overflow setTimeout: every export would time out after 1 ms
    OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: 'soon',
    OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '700',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'GZIP',
    OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'brotli',
  });
  assert.equal(config.traces.otlp.timeoutMillis, 2500);
  assert.equal(config.logs.otlp.timeoutMillis, 2500);
  assert.equal(config.metrics.otlp?.timeoutMillis, 700);
  assert.equal(config.traces.otlp.compression, 'gzip');
  assert.equal(config.logs.otlp.compression, 'gzip');
  assert.deepEqual([...problems].sort(), [
    'OTEL_EXPORTER_OTLP_LOGS_COMPRESSION="brotli" is invalid: accepted gzip or none; using gzip',
    'OTEL_EXPORTER_OTLP_LOGS_TIMEOUT="soon" is invalid: accepted an integer from 1 to 2147483647 (milliseconds); using 2500',
    'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="2147483648" is invalid: accepted an integer from 1 to 2147483647 (milliseconds); using 2500',
  ]);
  const shared = read({ OTEL_EXPORTER_OTLP_TIMEOUT: '0', OTEL_EXPORTER_OTLP_COMPRESSION: 'zip' });
  assert.equal(shared.config.traces.otlp.timeoutMillis, 10_000);
  assert.equal(shared.config.logs.otlp.compression, 'none');
  assert.equal(shared.problems.length, 2, 'the shared variables are reported once, not per signal');
});

test('OTLP headers: each entry the exporters would drop or cut gets a line, and no header value is ever in it', () => {
  const { problems, secrets } = read({
    OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cr3t-key-1,Bearer s3cr3t-token-2,x-tenant=,authorization=Basic%zzs3cr3t,x-ok=fine%20value',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer s3cr3t;part',
  });
  assert.deepEqual(problems, [
    'OTEL_EXPORTER_OTLP_HEADERS entry 2 of 5 is invalid: accepted key=value; using the other entries',
    'OTEL_EXPORTER_OTLP_HEADERS entry 3 of 5 (header x-tenant) is invalid: accepted a non-empty value; using the other entries',
    "OTEL_EXPORTER_OTLP_HEADERS entry 4 of 5 (header authorization) is invalid: accepted a percent-encoded value ('%' followed by two hex digits); using the other entries",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS entry 1 of 1 (header authorization) is invalid: accepted ';' percent-encoded as %3B (the exporters drop what follows a ';'); using the value up to ';'",
  ]);
  for (const value of ['s3cr3t-key-1', 's3cr3t-token-2', 's3cr3t', 'fine value']) {
    assert.ok(!problems.join('\n').includes(value), `${value} not in the lines`);
    assert.ok(secrets.some((s) => s.includes(value)), `${value} is handed to hideInOutput`);
  }
});

test('lists with no entry (",,,") are reported and read as unset; propagators are case-insensitive', () => {
  const { config, problems } = read({ OTEL_PROPAGATORS: ',,,', CRM_OTEL_IGNORE_PATHS: ' , ,', OTEL_NODE_RESOURCE_DETECTORS: ',' });
  assert.deepEqual(config.propagators, ['tracecontext', 'baggage']);
  assert.deepEqual(config.ignorePaths, ['/health', '/healthz', '/ready', '/live', '/ping', '/metrics']);
  assert.ok(config.resourceDetectors.includes('host'));
  assert.deepEqual([...problems].sort(), [
    'CRM_OTEL_IGNORE_PATHS=", ," is invalid: accepted a comma-separated list with at least one entry; using the default',
    'OTEL_NODE_RESOURCE_DETECTORS="," is invalid: accepted a comma-separated list with at least one entry; using the default',
    'OTEL_PROPAGATORS=",,," is invalid: accepted a comma-separated list with at least one entry; using the default',
  ]);
  const mixed = read({ OTEL_PROPAGATORS: 'TraceContext,BAGGAGE', CRM_OTEL_IGNORE_PATHS: '/status,healthz' });
  assert.deepEqual(mixed.config.propagators, ['tracecontext', 'baggage']);
  assert.deepEqual(mixed.config.ignorePaths, ['/status']);
  assert.deepEqual(mixed.problems, ['CRM_OTEL_IGNORE_PATHS="healthz" is invalid: accepted paths starting with /; using the other listed paths']);
});

test('OTEL_SEMCONV_STABILITY_OPT_IN: unknown entries are named and left out', () => {
  assert.equal(read({ OTEL_SEMCONV_STABILITY_OPT_IN: 'http,database/dup' }).config.semconvStabilityOptIn, undefined, 'valid: left as is');
  const { config, problems } = read({ OTEL_SEMCONV_STABILITY_OPT_IN: 'HTTP,databse' });
  assert.equal(config.semconvStabilityOptIn, 'HTTP');
  assert.match(problems[0]!, /^OTEL_SEMCONV_STABILITY_OPT_IN="databse" is invalid: accepted a comma list of http, http\/dup, database, .*; using the other listed values$/);
  const none = read({ OTEL_SEMCONV_STABILITY_OPT_IN: 'stable' });
  assert.equal(none.config.semconvStabilityOptIn, '', 'nothing left: the register default (http) applies');
  assert.match(none.problems[0]!, /; using http$/);
});

test('a Prometheus port equal to the app\'s PORT: one line, no endpoint, so that the app keeps its port', () => {
  const { config, problems } = read({ PORT: '9464' });
  assert.equal(config.metrics.prometheus, undefined);
  assert.deepEqual(problems, [
    'OTEL_EXPORTER_PROMETHEUS_PORT="9464" is invalid: accepted a port other than the app\'s own (PORT=9464); using no Prometheus endpoint, so that the app can listen on its port',
  ]);
  assert.deepEqual(read({ PORT: '8080' }).config.metrics.prometheus, { host: '0.0.0.0', port: 9464 });
  assert.equal(read({ PORT: '8080', OTEL_EXPORTER_PROMETHEUS_PORT: '8080' }).config.metrics.prometheus, undefined);
  assert.deepEqual(read({ PORT: '8080', OTEL_METRICS_EXPORTER: 'otlp' }).problems, [], 'no endpoint, no conflict');
});

test('an endpoint password is handed to hideInOutput, also when the URL has no scheme', () => {
  assert.ok(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://crm:pa%24%24word@collector:4318' }).secrets.includes('pa$$word'));
  const { problems, secrets } = read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'crm:hunter22@collector:4318' });
  assert.equal(problems.length, 1);
  assert.ok(secrets.includes('crm:hunter22'));
});

