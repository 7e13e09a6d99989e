// Issue 12: one Prometheus name per metric whichever path it takes. One app exports its metrics three
// ways at once: its own /metrics (the register's Prometheus exporter), OTLP to the kit's Collector
// (otel-collector/config.yaml, its `prometheus` exporter) and OTLP straight into Prometheus (its OTLP
// receiver, default translation). Every metric family of the app has the same name on all three.
// The Collector and Prometheus are the stack's own binaries (npm run stack:install), run here alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, componentBinary, freePort, get, parsePrometheusText, startListening, waitFor, type AppProcess } from '@crm/test-kit';

const SERVICE = 'prometheus-names-app';
const children: ChildProcess[] = [];
let app: (AppProcess & { base: string }) | undefined;
let promPort = 0;
let collectorExporterPort = 0;
let prometheusPort = 0;

function run(binary: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  child.once('exit', (code) => code && console.error(`${binary} exited ${code}:\n${err}`));
  children.push(child);
  return child;
}

const up = (url: string) => fetch(url).then((r) => r.ok, () => false);

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prom-names-'));
  // Prometheus with its OTLP receiver on and nothing to scrape.
  prometheusPort = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
  run(componentBinary('prometheus'), [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom-data')}`,
    `--web.listen-address=127.0.0.1:${prometheusPort}`, '--web.enable-otlp-receiver',
  ]);
  // The kit's Collector with its own configuration, on free ports (its backends are not running:
  // only the metrics pipeline, OTLP in and the prometheus exporter out, is read).
  collectorExporterPort = await freePort();
  const otlpHttp = await freePort();
  const health = await freePort();
  run(componentBinary('collector'), ['--config', join(REPO, 'otel-collector', 'config.yaml')], {
    COLLECTOR_OTLP_HTTP_PORT: String(otlpHttp), COLLECTOR_OTLP_GRPC_PORT: String(await freePort()),
    COLLECTOR_HEALTH_PORT: String(health), COLLECTOR_TELEMETRY_PORT: String(await freePort()),
    COLLECTOR_PROMETHEUS_EXPORTER_PORT: String(collectorExporterPort), CRM_STACK_DATA: join(dir, 'collector'),
  });
  await waitFor(async () => (await up(`http://127.0.0.1:${prometheusPort}/-/ready`)) && (await up(`http://127.0.0.1:${health}/`)) || undefined, { what: 'Prometheus and the Collector ready', timeoutMs: 60_000 });

  // The app has one OTLP metrics endpoint: a small fan-out (teeTo) posts each export to both.
  promPort = await freePort();
  app = await startListening('crm-app.cjs', {
    port: await freePort(),
    env: {
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_METRICS_EXPORTER: 'prometheus,otlp',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(promPort),
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${await teeTo([`http://127.0.0.1:${otlpHttp}/v1/metrics`, `http://127.0.0.1:${prometheusPort}/api/v1/otlp/v1/metrics`])}/v1/metrics`,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    },
  });
});

after(async () => {
  await app?.stop();
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
});

/** A tiny OTLP/HTTP fan-out: each request body is posted to every target as it came. */
async function teeTo(targets: string[]): Promise<number> {
  const { createServer } = await import('node:http');
  const port = await freePort();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const headers = { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' };
    const codes = await Promise.all(targets.map((t) => fetch(t, { method: 'POST', body, headers }).then((r) => r.status, () => 599)));
    res.writeHead(codes.every((c) => c < 300) ? 200 : 502, { 'content-type': headers['content-type'] }).end();
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  children.push({ kill: () => server.close(), exitCode: 0 } as unknown as ChildProcess);
  return port;
}

/** Metric family names of a Prometheus text exposition (histogram series folded into their family). */
const families = (names: string[]): Set<string> => new Set(names.map((n) => n.replace(/_(bucket|sum|count)$/, '')));

test('the app /metrics, the Collector and Prometheus OTLP ingestion give every metric the same name', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await get(`${app!.base}/leads/${i}`)).status, 200);

  const appNames = async () =>
    families(parsePrometheusText(await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text()).map((s) => s.name).filter((n) => n !== 'target_info'));
  const collectorNames = async () =>
    families(
      parsePrometheusText(await (await fetch(`http://127.0.0.1:${collectorExporterPort}/metrics`)).text())
        .filter((s) => s.labels['service_name'] === SERVICE || s.labels['job'] === SERVICE)
        .map((s) => s.name),
    );
  const prometheusNames = async () => {
    const q = encodeURIComponent(`{job="${SERVICE}"}`);
    const body = (await (await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/series?match[]=${q}`)).json()) as { data: Array<{ __name__: string }> };
    return families(body.data.map((s) => s.__name__).filter((n) => n !== 'target_info'));
  };

  const want = await waitFor(async () => {
    const names = await appNames();
    const has = (prefix: string) => [...names].some((n) => n.startsWith(prefix));
    return has('http_server_request_duration') && has('v8js_gc_duration') ? names : undefined;
  }, { what: 'the HTTP and GC histograms on /metrics', timeoutMs: 30_000 });
  for (const [path, read] of [['the Collector', collectorNames], ['Prometheus OTLP ingestion', prometheusNames]] as const) {
    const got = await waitFor(async () => {
      const names = await read();
      return [...want].every((n) => names.has(n)) ? names : undefined;
    }, { what: `every /metrics family through ${path}`, timeoutMs: 30_000 }).catch(async () => read());
    const missing = [...want].filter((n) => !got.has(n));
    assert.deepEqual(missing, [], `${path} names differently: has ${[...got].sort().join(', ')}`);
  }
  for (const name of ['http_server_request_duration_seconds', 'v8js_gc_duration_seconds', 'nodejs_eventloop_utilization_ratio']) assert.ok(want.has(name), name);
});
