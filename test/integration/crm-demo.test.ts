// `node examples/crm-service/demo.mjs --duration 7` starts both services with the preload flag,
// sends traffic, exposes metrics on the app port and stops cleanly, telling a person what happens:
// where each thing runs, one line per journey with its trace id, counts every 5 s; the services'
// JSON logs go to .stack/logs/demo-<service>.log, not to the terminal. No stack needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, scrape, stackEnv, total } from '@crm/test-kit';

const LOGS = join(REPO, '.stack', 'logs');
const logFile = (service: string): string => join(LOGS, `demo-${service}.log`);
const sizeOf = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

test('the demo serves traffic, tells one line per journey with its trace, keeps JSON logs in files and exits 0 after --duration', async () => {
  const env = stackEnv();
  const crmMetrics = Number(env['APP_PROMETHEUS_PORT'] ?? 9464);
  const before = { crm: sizeOf(logFile('crm-service')), enrichment: sizeOf(logFile('crm-enrichment')) };
  const child = spawn(process.execPath, [join(REPO, 'examples/crm-service/demo.mjs'), '--duration', '7', '--rate', '4'], {
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
  assert.match(out, /crm-service\s+http:\/\/127\.0\.0\.1:\d+\/api\s+metrics http:\/\/localhost:\d+\/metrics/);
  assert.match(out, /JSON logs\s+\.stack\/logs\/demo-crm-service\.log, \.stack\/logs\/demo-crm-enrichment\.log/);
  assert.match(out, /traces\s+Jaeger (API http:\/\/127\.0\.0\.1:\d+\/api\/traces\/<trace id>|UI http:\/\/localhost:\d+)/);
  assert.match(out, /metrics\s+Prometheus (API|UI) http/);
  assert.match(out, /logs, events\s+OpenSearch http:\/\/127\.0\.0\.1:\d+\//);
  let leads = 0;
  let routes: string[] = [];
  let lastError = '';
  for (let i = 0; i < 40 && leads === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const samples = await scrape(`http://127.0.0.1:${crmMetrics}/metrics`);
      leads = total(samples, 'leads_created_total');
      routes = samples.filter((s) => s.name === 'http_server_request_duration_seconds_count').map((s) => s.labels['http_route'] ?? '');
    } catch (error) {
      lastError = (error as Error).message; // the metrics endpoint may open a moment after the app
    }
  }
  assert.doesNotMatch(out, /could not listen on/, 'the metrics port was free (another process on it would answer instead)');
  assert.ok(leads > 0, `leads_created_total on :${crmMetrics}/metrics is ${leads} ${lastError}`);
  assert.ok(routes.includes('/api/leads'), `HTTP server histogram has route /api/leads (routes: ${routes.join(', ')})`);
  const enrichment = await scrape(`http://127.0.0.1:${crmMetrics + 1}/metrics`);
  assert.ok(total(enrichment, 'http_server_request_duration_seconds_count', { http_route: '/v1/companies/:domain' }) > 0, 'the enrichment service served lookups');

  assert.equal(await exited, 0, out);
  const m = /traffic: (\d+) requests, (\d+) ok, \d+ 4xx, (\d+) 5xx/.exec(out.trim().split('\n').filter((l) => l.startsWith('traffic: ')).pop() ?? '');
  assert.ok(m, out);
  assert.ok(Number(m[2]) > 0, 'requests answered ok');
  assert.equal(Number(m[3]), 0, '5xx answers');
  assert.match(out, /^\d\d:\d\d:\d\d {2}-- traffic: \d+ requests/m, 'a count line every 5 s');
  assert.match(out, /services stopped \(enrichment 143, crm 143\)/, 'both services flushed and exited on SIGTERM');

  // No JSON log line on the terminal: they are in the files, from this run, with trace ids.
  assert.doesNotMatch(out, /^\[(crm|enrichment)\] \{"level"/m, 'a JSON log line on the terminal');
  const crmLog = readFileSync(logFile('crm-service'), 'utf8').slice(before.crm);
  assert.ok(readFileSync(logFile('crm-enrichment'), 'utf8').slice(before.enrichment).includes('"company profile found"'), 'the enrichment log file has this run\'s lines');
  const created = new Map(crmLog.split('\n').filter((l) => l.includes('"lead created"')).map((l) => {
    const rec = JSON.parse(l) as { leadId: string; trace_id: string };
    return [rec.leadId, rec.trace_id];
  }));
  // One line per journey: its lead, and the trace of the lead's creation (the id the log line has).
  const journeys = [...out.matchAll(/^\d\d:\d\d:\d\d {2}lead (L-[0-9a-f]+) \(([a-z_]+)(?:, enrichment failed)?\)(?: -> [^\n]*?)?\s+(?:http:\/\/\S+\/(?:api\/traces|trace)\/|trace )([0-9a-f]{32})/gm)];
  assert.ok(journeys.length >= 5, `journey lines:\n${out}`);
  for (const [, leadId, , traceId] of journeys) assert.equal(traceId, created.get(leadId!), `the trace id of ${leadId} is the one its "lead created" log line has`);
  // Without the local stack the demo says so and how to start it.
  if (/collector\s+\S+ {2}\(not running\)/.test(out)) {
    assert.match(out, /npm run stack:install && npm run stack/);
    assert.ok(out.includes(`trace ${journeys[0]![3]} (not exported)\n`), 'a journey line says its trace was not exported');
  }
});

test('--trace takes a 32-hex trace id and names a bad value', () => {
  const r = spawnSync(process.execPath, [join(REPO, 'examples/crm-service/demo.mjs'), '--trace', 'not-a-trace'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--trace "not-a-trace" is invalid: accepted a trace id of 32 lower-case hex digits/);
});
