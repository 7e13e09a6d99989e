// Issue 12: one SDK per process (worker threads start none), one endpoint and one start-up line per
// Node cluster with every worker's metrics, workers flushed when only the primary is stopped, an app's
// own SIGTERM handler still deciding, and an ES module entry under --require told to use --import.
// Run on every Node line of .ci/node-lines.env (the cluster part relies on Node's IPC). Real
// third-party apps (signal-exit, pino transports, PM2) are in test/compat.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText, scrape } from '@crm/test-kit';
import { useRegisterHarness } from '../support/register-harness.ts';

const h = useRegisterHarness();
// Only a flush at the stop can deliver the spans in time.
const holdBatches = { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_BLRP_SCHEDULE_DELAY: '60000' };
const STARTUP = /^\[@crm\/otel-register\] service /gm;
const serverSpans = (service: string) => h.receiver.spans.filter((s) => s.resource['service.name'] === service && s.kind === 2);
const requestCount = (text: string) =>
  parsePrometheusText(text)
    .filter((s) => /^http_server_request_duration(_seconds)?_count$/.test(s.name))
    .reduce((n, s) => n + s.value, 0);
/** A new connection per request, so that the cluster spreads them over its workers. */
const fresh = (url: string) => fetch(url, { headers: { connection: 'close' } }).then((r) => r.text());

describe('worker threads', () => {
  test('a Worker starts no SDK: one start-up line, no port conflict, the request span from the main thread', async () => {
    const a = await h.app({ file: 'process-model-app.cjs', env: { OTEL_SERVICE_NAME: 'threads-app', APP_MODE: 'worker' } });
    for (let i = 0; i < 3; i++) assert.match(await fresh(`${a.base}/score/${i}`), /"value":42/);
    await h.receiver.waitFor('3 server spans', () => serverSpans('threads-app').length >= 3 || undefined);
    assert.equal((a.stderr().match(STARTUP) ?? []).length, 1, a.stderr());
    assert.doesNotMatch(a.stderr(), /EADDRINUSE|could not listen/);
    assert.equal(new Set(h.receiver.spans.map((s) => s.resource['service.name']).filter((n) => String(n).startsWith('threads'))).size, 1);
  });
});

describe('Node cluster', () => {
  test("the primary serves every worker's metrics and speaks once; SIGTERM to it alone delivers the workers' spans", async () => {
    const a = await h.app({ file: 'process-model-app.cjs', env: { OTEL_SERVICE_NAME: 'cluster-app', APP_MODE: 'cluster', ...holdBatches } });
    const N = 6;
    for (let i = 0; i < N; i++) await fresh(`${a.base}/leads/${i}`);
    const text = await fetch(a.metricsUrl).then((r) => r.text());
    assert.equal(requestCount(text), N, text);
    const workers = new Set(parsePrometheusText(text).filter((s) => s.labels['cluster_worker_id']).map((s) => s.labels['cluster_worker_id']));
    assert.ok(workers.size >= 1 && [...workers].every((w) => ['1', '2'].includes(w!)), `worker labels: ${[...workers]}`);
    assert.equal((await scrape(a.metricsUrl)).filter((s) => s.name === 'target_info').length, 1, 'one target');

    a.child.kill('SIGTERM'); // the primary only
    assert.equal((await a.exited).code, 143);
    assert.equal(serverSpans('cluster-app').length, N, 'every worker flushed before the primary ended');
    assert.equal((a.stderr().match(STARTUP) ?? []).length, 1, a.stderr());
    assert.doesNotMatch(a.stderr(), /EADDRINUSE|could not listen/);
  });
});

describe('signals', () => {
  test('an app SIGTERM handler that keeps serving: flushed, and the app keeps running', async () => {
    const a = await h.app({ file: 'process-model-app.cjs', env: { OTEL_SERVICE_NAME: 'stays-app', APP_MODE: 'keeps-running', ...holdBatches } });
    await fresh(`${a.base}/leads/1`);
    a.child.kill('SIGTERM');
    await h.receiver.waitFor('the span flushed at SIGTERM', () => serverSpans('stays-app')[0]);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(a.child.exitCode, null, 'still running');
    assert.match(await fresh(`${a.base}/leads/2`), /"value":42/);
    assert.match(a.stdout(), /APP_SIGTERM/);
  });
});

describe('an ES module entry under --require', () => {
  test('one line says to use --import; nothing is started or exported', async () => {
    const a = await h.app({ file: 'esm-under-require.mjs', env: { OTEL_SERVICE_NAME: 'esm-req-app' } });
    await fresh(`${a.base}/leads/1`);
    assert.equal(a.stderr().trim().split('\n').length, 1, a.stderr());
    assert.match(a.stderr(), /warning: esm-under-require\.mjs is an ES module: .*Start it with node --import @crm\/otel-register esm-under-require\.mjs/);
    assert.equal((a.stderr().match(STARTUP) ?? []).length, 0);
    assert.ok(!(await fetch(a.metricsUrl).then(() => true, () => false)), 'no Prometheus endpoint');
    a.child.kill('SIGTERM');
    await a.exited;
    assert.equal(serverSpans('esm-req-app').length, 0);
  });
});
