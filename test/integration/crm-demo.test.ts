// Issue 5, point 2: `node examples/crm-service/demo.mjs --duration 5` starts both services with the
// preload flag, sends traffic, exposes metrics on the app port and stops cleanly. No stack needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../support/child.ts';
import { scrape, total } from '../support/prom-text.ts';
import { readStackEnv } from '../support/demo.ts';

test('the demo serves traffic, shows business metrics on /metrics and exits 0 after --duration', async () => {
  const env = readStackEnv();
  const crmMetrics = Number(env['APP_PROMETHEUS_PORT'] ?? 9464);
  const child = spawn(process.execPath, [join(REPO, 'examples/crm-service/demo.mjs'), '--duration', '5', '--rate', '4'], {
    cwd: REPO,
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // Scrape while the demo runs: the traffic line is printed once both services are healthy.
  for (let i = 0; i < 200 && !/traffic: [\d.]+ journeys\/s/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(out, /CRM demo running/, out);
  assert.match(out, /Jaeger\s+http:\/\/localhost:\d+/);
  assert.match(out, /Prometheus\s+http:\/\/localhost:\d+/);
  assert.match(out, /OpenSearch\s+http:\/\/localhost:\d+/);
  let leads = 0;
  let routes: string[] = [];
  let lastError = '';
  for (let i = 0; i < 40 && leads === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const samples = await scrape(`http://127.0.0.1:${crmMetrics}/metrics`);
      leads = total(samples, 'leads_created_total');
      routes = samples.filter((s) => s.name === 'http_server_request_duration_count').map((s) => s.labels['http_route'] ?? '');
    } catch (error) {
      lastError = (error as Error).message; // the metrics endpoint may open a moment after the app
    }
  }
  assert.doesNotMatch(out, /could not listen on/, 'the metrics port was free (another process on it would answer instead)');
  assert.ok(leads > 0, `leads_created_total on :${crmMetrics}/metrics is ${leads} ${lastError}`);
  assert.ok(routes.includes('/api/leads'), `HTTP server histogram has route /api/leads (routes: ${routes.join(', ')})`);
  const enrichment = await scrape(`http://127.0.0.1:${crmMetrics + 1}/metrics`);
  assert.ok(total(enrichment, 'http_server_request_duration_count', { http_route: '/v1/companies/:domain' }) > 0, 'the enrichment service served lookups');

  assert.equal(await exited, 0, out);
  const m = /traffic: (\d+) requests, (\d+) ok, \d+ 4xx, (\d+) 5xx/.exec(out.trim().split('\n').filter((l) => l.startsWith('traffic: ')).pop() ?? '');
  assert.ok(m, out);
  assert.ok(Number(m[2]) > 0, 'requests answered ok');
  assert.equal(Number(m[3]), 0, '5xx answers');
  assert.match(out, /services stopped \(enrichment 143, crm 143\)/, 'both services flushed and exited on SIGTERM');
  // Without a collector the demo says how to start the stack; with one it does not need to.
  if (/collector\s+\S+ \(not running\)/.test(out)) assert.match(out, /npm run stack:install && npm run stack/);
});
