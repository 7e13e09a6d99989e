// Issue 2, points 9 to 13: shutdown and exit codes, collector down, config errors, start-up line, programmatic API;
// issue 10, points 5 and 7: nothing secret printed, bad configuration named and the rest kept.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpReceiver, fastExportEnv, freePort, get, scrape, startApp, total } from '@crm/test-kit';
import { useRegisterHarness } from '../support/register-harness.ts';

const h = useRegisterHarness();
const app = (env: Record<string, string>, endpoint?: string) => h.app({ env, ...(endpoint ? { endpoint } : {}) });

const spansOf = (service: string) => h.receiver.spans.filter((s) => s.resource['service.name'] === service);

describe('point 9: shutdown', () => {
  // A long batch delay: only the shutdown flush can deliver the spans in time.
  const holdBatches = { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_BLRP_SCHEDULE_DELAY: '60000' };

  test('SIGTERM with no app handler: flushes, then exits 143', async () => {
    const a = await app({ OTEL_SERVICE_NAME: 'sigterm-app', ...holdBatches });
    await get(`${a.base}/leads/1`);
    a.child.kill('SIGTERM');
    const { code } = await a.exited;
    assert.equal(code, 143);
    assert.ok(spansOf('sigterm-app').some((s) => s.attributes['http.route'] === '/leads/:id'), 'span flushed before exit');
    assert.ok(h.receiver.logs.some((l) => l.resource['service.name'] === 'sigterm-app'), 'logs flushed before exit');
  });

  test('SIGINT with no app handler exits 130', async () => {
    const a = await app({ OTEL_SERVICE_NAME: 'sigint-app', ...holdBatches });
    await get(`${a.base}/leads/1`);
    a.child.kill('SIGINT');
    assert.equal((await a.exited).code, 130);
    assert.ok(spansOf('sigint-app').length > 0);
  });

  test('SIGTERM with an app handler: flushes and lets the app decide', async () => {
    const a = await app({ OTEL_SERVICE_NAME: 'handler-app', APP_SIGTERM_HANDLER: '1', ...holdBatches });
    await get(`${a.base}/leads/1`);
    a.child.kill('SIGTERM');
    const { code } = await a.exited;
    assert.equal(code, 0, 'the app chose exit code 0');
    assert.match(a.stdout(), /APP_SIGTERM/);
    assert.ok(spansOf('handler-app').length > 0, 'flushed while the app shut down');
  });

  test('a script that ends on its own is flushed on beforeExit and exits 0', async () => {
    const a = startApp('short-script.cjs', { env: { ...fastExportEnv(h.receiver.endpoint, await freePort()), OTEL_SERVICE_NAME: 'script', ...holdBatches } });
    h.track(a);
    assert.equal((await a.exited).code, 0);
    assert.ok(spansOf('script').some((s) => s.name === 'nightly-lead-import'));
  });
});

describe('point 10: never break the app', () => {
  test('collector down: app serves, one warning per exporter, drops counted; export resumes with missing = dropped', async () => {
    const port = await freePort(); // nothing listens here yet
    const a = await app({ OTEL_SERVICE_NAME: 'down-app', OTEL_EXPORTER_OTLP_TIMEOUT: '500' }, `http://127.0.0.1:${port}`);
    const N1 = 30;
    for (let i = 0; i < N1; i++) assert.equal((await get(`${a.base}/leads/${i}`)).status, 200);
    const dropped = async (signal: string) => total(await scrape(a.metricsUrl), 'crm_otel_dropped_total', { signal, reason: 'export_failed' });
    // wait until every span of phase 1 is accounted for (queue empty, exports failed)
    const deadline = Date.now() + 20_000;
    while ((await dropped('traces')) < N1 || (await dropped('logs')) < N1) {
      assert.ok(Date.now() < deadline, 'drops counted within 20 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const warnings = a.stderr().split('\n').filter((l) => l.includes('warning:'));
    assert.equal(warnings.filter((l) => l.includes('traces export')).length, 1, warnings.join('\n'));
    assert.equal(warnings.filter((l) => l.includes('logs export')).length, 1, warnings.join('\n'));
    assert.doesNotMatch(a.stderr(), /Unhandled|ERR_UNHANDLED_REJECTION/);

    const back = await new OtlpReceiver().start(port);
    try {
      // Traffic goes on until the register reports the recovery (it waits 2 s past the first
      // failure before calling an outage over).
      let N2 = 0;
      while (!/traces export to .* recovered/.test(a.stderr())) {
        assert.ok(N2 < 100, 'recovery reported within 100 requests');
        await get(`${a.base}/leads/after-${N2++}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await back.waitFor('spans after recovery', () => back.spans.filter((s) => s.kind === 2).length >= N2 && true);
      // Every request makes the same spans; what did not arrive must be counted as dropped.
      const perRequest = back.spans.filter((s) => s.traceId === back.spans.find((x) => x.kind === 2)!.traceId).length;
      await new Promise((r) => setTimeout(r, 500));
      const expected = (N1 + N2) * perRequest;
      assert.equal(back.spans.length + (await dropped('traces')), expected, 'received + dropped = created');
    } finally {
      await back.stop();
    }
  });

  test('exports resume after timed-out exports (a stalled collector)', async () => {
    const stalled = await new OtlpReceiver().start();
    try {
      stalled.stall = true;
      const a = await app({ OTEL_SERVICE_NAME: 'stall-app', OTEL_EXPORTER_OTLP_TIMEOUT: '300' }, stalled.endpoint);
      for (let i = 0; i < 5; i++) await get(`${a.base}/leads/${i}`);
      await a.waitForOutput(/traces export to .* failed/);
      stalled.stall = false;
      for (let i = 0; !/traces export to .* recovered/.test(a.stderr()); i++) {
        assert.ok(i < 100, 'recovery reported within 100 requests');
        await get(`${a.base}/leads/later-${i}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await stalled.waitFor('spans after the stall', () => stalled.spans.some((s) => String(s.attributes['url.path']).startsWith('/leads/later-')));
    } finally {
      await stalled.stop();
    }
  });

  test('a full queue drops and counts instead of growing', async () => {
    // A collector that never answers: the first batch stays in flight, the queue fills behind it.
    const stalled = await new OtlpReceiver().start();
    stalled.stall = true;
    try {
      const a = await app(
        { OTEL_SERVICE_NAME: 'queue-app', OTEL_BSP_MAX_QUEUE_SIZE: '20', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10', OTEL_EXPORTER_OTLP_TIMEOUT: '30000' },
        stalled.endpoint,
      );
      await Promise.all(Array.from({ length: 40 }, (_, i) => get(`${a.base}/leads/${i}`)));
      const samples = await scrape(a.metricsUrl);
      assert.ok(total(samples, 'crm_otel_dropped_total', { signal: 'traces', reason: 'queue_full' }) > 0, 'queue_full drops counted');
      assert.ok(total(samples, 'crm_otel_queue_items', { signal: 'traces' }) <= 20, 'queue stays within its bound');
      await a.stop();
    } finally {
      await stalled.stop();
    }
  });

  test('OTEL_SDK_DISABLED=true loads nothing', async () => {
    const a = await app({ OTEL_SERVICE_NAME: 'disabled-app', OTEL_SDK_DISABLED: 'true' });
    await get(`${a.base}/leads/1`);
    const loaded = JSON.parse((await get(`${a.base}/modules`)).body) as string[];
    assert.deepEqual(loaded.filter((m) => !m.startsWith('@opentelemetry/api')), [], 'only the API the app itself requires');
    await assert.rejects(fetch(a.metricsUrl), 'no metrics endpoint');
    assert.equal(a.stderr(), '');
  });
});

describe('point 11: config errors', () => {
  test('each invalid value prints one line naming variable, value, accepted and used; the app still starts', async () => {
    const a = await app({
      OTEL_SERVICE_NAME: 'bad-config',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '2',
      OTEL_EXPORTER_PROMETHEUS_PORT: 'abc',
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'not a url',
      OTEL_BSP_MAX_QUEUE_SIZE: '-5',
    });
    assert.equal((await get(`${a.base}/leads/1`)).status, 200);
    const lines = a.stderr().split('\n').filter((l) => l.includes('is invalid'));
    const expect = [
      'OTEL_TRACES_SAMPLER_ARG="2" is invalid: accepted a number from 0 to 1; using 1',
      'OTEL_EXPORTER_PROMETHEUS_PORT="abc" is invalid: accepted an integer from 0 to 65535; using 9464',
      'OTEL_TRACES_EXPORTER="zipkin" is invalid: accepted one of otlp, console, none; using otlp',
      'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="not a url" is invalid: accepted an http:// or https:// URL;',
      'OTEL_BSP_MAX_QUEUE_SIZE="-5" is invalid: accepted an integer from 1 to 1000000; using 2048',
    ];
    for (const e of expect) assert.equal(lines.filter((l) => l.includes(e)).length, 1, `one line: ${e}\n${lines.join('\n')}`);
    assert.equal(lines.length, expect.length);
  });
});

describe('point 12: start-up line', () => {
  test('one line with service, exporters and endpoints; CRM_OTEL_QUIET hides it', async () => {
    const a = await app({ OTEL_SERVICE_NAME: 'loud-app' });
    const lines = a.stderr().trim().split('\n');
    assert.equal(lines.length, 1, a.stderr());
    assert.match(lines[0]!, /service loud-app: traces otlp http\/protobuf http:\/\/127\.0\.0\.1:\d+\/v1\/traces; metrics prometheus http:\/\/127\.0\.0\.1:\d+\/metrics; logs otlp/);
    const q = await app({ OTEL_SERVICE_NAME: 'quiet-app', CRM_OTEL_QUIET: 'true' });
    assert.equal(q.stderr(), '');
    const d = await app({ OTEL_SERVICE_NAME: 'debug-app', OTEL_LOG_LEVEL: 'debug' });
    await get(`${d.base}/leads/1`);
    assert.match(d.stderr(), /instrumentations started: .*runtime-node.*; started on first require: .*pg/, 'OTEL_LOG_LEVEL=debug says more');
  });
});

describe('point 13: programmatic API', () => {
  test('start() and shutdown() instrument and flush without the preload flag', async () => {
    const a = startApp('api-app.cjs', { preload: 'none', env: { ENDPOINT: h.receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '60000' } });
    h.track(a);
    const { code } = await a.exited;
    assert.equal(code, 0, a.stderr());
    assert.match(a.stdout(), /API DONE started=true/);
    assert.ok(spansOf('api-app').some((s) => s.kind === 2 && s.attributes['url.path'] === '/api-call'), 'server span exported by shutdown()');
  });
});

describe('issue 10, point 5: nothing secret printed', () => {
  test('credentials in endpoints and OTLP header values never reach stderr; a newline in a value forges no line', async () => {
    const closed = await freePort(); // export fails: the failure warnings are printed too
    const a = await app(
      {
        OTEL_SERVICE_NAME: 'printed-app\n[@crm/otel-register] forged line',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=hdr-s3cr3t-1,Bearer hdr-s3cr3t-2',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'crm:pw-s3cr3t-2@127.0.0.1:4318', // no scheme: invalid, printed
        OTEL_LOG_LEVEL: 'debug', // the SDK's own diagnostics go through the same helper
      },
      `http://crm:pw-s3cr3t-1@127.0.0.1:${closed}`,
    );
    await get(`${a.base}/leads/1`);
    await a.waitForOutput(/traces export to .* failed/);
    const stderr = a.stderr();
    const lines = stderr.trimEnd().split('\n');
    for (const line of lines) assert.ok(line.startsWith('[@crm/otel-register] '), `every line is the register's: ${line.slice(0, 200)}`);
    assert.ok(lines.some((l) => l.includes('service printed-app\\n[@crm/otel-register] forged line: traces otlp http/protobuf http://***@127.0.0.1:')));
    assert.ok(lines.some((l) => l.includes('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="***@127.0.0.1:4318" is invalid')));
    assert.ok(lines.some((l) => l.includes('OTEL_EXPORTER_OTLP_HEADERS entry 2 of 2 is invalid: accepted key=value')));
    assert.match(stderr, /warning: traces export to http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1\/traces failed/);
    for (const secret of ['pw-s3cr3t', 'hdr-s3cr3t']) assert.ok(!stderr.includes(secret), `${secret} printed`);
  });
});

describe('issue 10, point 7: bad configuration is named, the rest keeps working', () => {
  test('a bad OTEL_RESOURCE_ATTRIBUTES entry is named and dropped; the other entries and all three signals stay on', async () => {
    // This used to stop every signal: "could not start (URI malformed)".
    const a = await app({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=%zz,service.namespace=attrs-test,team=crm-core' });
    assert.match(a.stderr(), /OTEL_RESOURCE_ATTRIBUTES="service.name=%zz" is invalid: accepted key=value entries/);
    assert.doesNotMatch(a.stderr(), /could not start/);
    await get(`${a.base}/leads/1`);
    const ours = (r: Record<string, unknown>) => r['service.namespace'] === 'attrs-test';
    const span = await h.receiver.waitFor('a span', () => h.receiver.spans.find((s) => ours(s.resource)));
    assert.equal(span.resource['team'], 'crm-core');
    assert.equal(span.resource['service.name'], 'fixture-crm-app', 'the package name, the bad value being dropped');
    await h.receiver.waitFor('a log record', () => h.receiver.logs.find((l) => ours(l.resource)));
    assert.ok(total(await scrape(a.metricsUrl), 'http_server_request_duration_seconds_count', { http_route: '/leads/:id' }) >= 1);
  });

  test('an unknown OTEL_SEMCONV_STABILITY_OPT_IN entry is named and left out: the stable HTTP metric stays', async () => {
    const a = await app({ OTEL_SERVICE_NAME: 'semconv-app', OTEL_SEMCONV_STABILITY_OPT_IN: 'htpp' });
    assert.match(a.stderr(), /OTEL_SEMCONV_STABILITY_OPT_IN="htpp" is invalid: accepted a comma list of http, http\/dup, .*; using http/);
    await get(`${a.base}/leads/1`);
    assert.equal(total(await scrape(a.metricsUrl), 'http_server_request_duration_seconds_count', { http_route: '/leads/:id' }), 1);
  });

  test("a Prometheus port equal to the app's PORT: one line, no endpoint, and the app keeps its port", async () => {
    const port = await freePort();
    // Before, the endpoint took the port first and the app's listen() failed with EADDRINUSE.
    const a = await app({ OTEL_SERVICE_NAME: 'port-app', APP_PORT: String(port), PORT: String(port), OTEL_EXPORTER_PROMETHEUS_PORT: String(port) });
    assert.equal((await get(`http://127.0.0.1:${port}/leads/1`)).status, 200);
    const lines = a.stderr().split('\n').filter((l) => l.includes('OTEL_EXPORTER_PROMETHEUS_PORT'));
    assert.deepEqual(lines, [
      `[@crm/otel-register] warning: OTEL_EXPORTER_PROMETHEUS_PORT="${port}" is invalid: accepted a port other than the app's own (PORT=${port}); using no Prometheus endpoint, so that the app can listen on its port`,
    ]);
    assert.match(a.stderr(), /metrics none/, 'the start-up line says so');
  });
});

