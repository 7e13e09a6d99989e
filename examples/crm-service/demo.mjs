#!/usr/bin/env node
// `npm run demo`: starts the CRM API and the enrichment service with the preload flag
// (`node --require @crm/otel-register ...`), sends them customer journeys until Ctrl-C, and tells
// what happens: where each thing runs, one line per journey with its trace, counts every 5 s.
// The services' JSON logs go to .stack/logs/demo-<service>.log (--verbose: also to the terminal).
//   node examples/crm-service/demo.mjs [--duration SECONDS] [--rate JOURNEYS_PER_SECOND] [--verbose]
//   node examples/crm-service/demo.mjs --trace TRACE_ID     draw one trace from Jaeger's API
// Works with or without the local stack: without it, metrics still show on /metrics.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchTrace, renderTrace } from './demo-trace.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const USAGE = 'usage: node examples/crm-service/demo.mjs [--duration SECONDS] [--rate JOURNEYS_PER_SECOND] [--verbose] | --trace TRACE_ID';

function usage(message) {
  process.stderr.write(`demo: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { duration: undefined, rate: 1, verbose: false, trace: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--duration') {
      const v = value();
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) usage(`--duration ${JSON.stringify(v)} is invalid: accepted a number of seconds > 0`);
      opts.duration = n;
    } else if (flag === '--rate') {
      const v = value();
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0 || n > 500) usage(`--rate ${JSON.stringify(v)} is invalid: accepted journeys per second from 0 to 500`);
      opts.rate = n;
    } else if (flag === '--trace') {
      const v = value();
      if (!/^[0-9a-f]{32}$/.test(v ?? '')) usage(`--trace ${JSON.stringify(v)} is invalid: accepted a trace id of 32 lower-case hex digits`);
      opts.trace = v;
    } else if (flag === '--verbose') opts.verbose = true;
    else if (flag === '--help' || flag === '-h') usage('starts the demo services and a traffic generator');
    else usage(`unknown argument ${JSON.stringify(arg)}`);
  }
  return opts;
}

/** KEY=VALUE lines of stack/stack.env (the one place for ports). */
function readStackEnv() {
  const file = join(repo, 'stack', 'stack.env');
  const out = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim().replace(/^["']|["']$/g, '');
  }
  return out;
}

function portFrom(env, name, fallback) {
  const raw = process.env[name] ?? env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) usage(`${name}=${JSON.stringify(raw)} is invalid: accepted a port from 1 to 65535`);
  return n;
}

function tcpOpen(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** GET url: { status, text } or undefined when nothing answers. */
async function probe(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    return { status: res.status, text: await res.text() };
  } catch {
    return undefined;
  }
}

const opts = parseArgs(process.argv.slice(2));
const stackEnv = readStackEnv();
const ports = {
  crm: portFrom(stackEnv, 'CRM_PORT', portFrom(stackEnv, 'CRM_SERVICE_PORT', 8080)),
  enrichment: portFrom(stackEnv, 'ENRICHMENT_PORT', portFrom(stackEnv, 'ENRICHMENT_SERVICE_PORT', 8081)),
  crmMetrics: portFrom(stackEnv, 'APP_PROMETHEUS_PORT', 9464),
  collectorHttp: portFrom(stackEnv, 'COLLECTOR_OTLP_HTTP_PORT', 4318),
  jaeger: portFrom(stackEnv, 'JAEGER_UI_PORT', 16686),
  prometheus: portFrom(stackEnv, 'PROMETHEUS_PORT', 9090),
  alertmanager: portFrom(stackEnv, 'ALERTMANAGER_PORT', 9093),
  opensearch: portFrom(stackEnv, 'OPENSEARCH_PORT', 9200),
  grafana: portFrom(stackEnv, 'GRAFANA_PORT', 3000),
  dashboards: portFrom(stackEnv, 'OPENSEARCH_DASHBOARDS_PORT', 5601),
};
// The stack's Prometheus scrapes the app port and the one after it (stack/start.sh).
ports.enrichmentMetrics = portFrom(stackEnv, 'ENRICHMENT_PROMETHEUS_PORT', ports.crmMetrics + 1);
const jaegerBase = `http://127.0.0.1:${ports.jaeger}`;

// ---- --trace: draw one trace and stop ----------------------------------------------------------
if (opts.trace) {
  const trace = await fetchTrace(jaegerBase, opts.trace);
  if (trace instanceof Error) {
    process.stderr.write(`demo: ${trace.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${renderTrace(trace).join('\n')}\n`);
  process.exit(0);
}

for (const entry of ['dist/server.js', 'dist/enrichment.js', 'dist/traffic.js']) {
  if (!existsSync(join(here, entry))) {
    process.stderr.write(`demo: examples/crm-service/${entry} is missing: run \`npm run build\` first (npm run demo does it)\n`);
    process.exit(1);
  }
}

// ---- the services, their JSON logs in files -----------------------------------------------------
const logDir = join(repo, '.stack', 'logs');
mkdirSync(logDir, { recursive: true });
const shown = (file) => relative(process.cwd(), file) || file;
/** leadId -> trace id, from the CRM's "lead created" log lines (the preload adds trace_id). */
const leadTraces = new Map();
const children = [];

function startService(label, script, env) {
  const logFile = join(logDir, `demo-${env.OTEL_SERVICE_NAME}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--require', '@crm/otel-register', script], {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry = { label, child, logFile, exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))) };
  const onLine = (line, isStderr) => {
    if (!line.trim()) return;
    if (isStderr) {
      // The register's own messages (and crashes): always shown.
      process.stdout.write(`[${label}] ${line}\n`);
      return;
    }
    log.write(`${line}\n`);
    if (opts.verbose) process.stdout.write(`[${label}] ${line}\n`);
    if (line.includes('"lead created"')) {
      try {
        const rec = JSON.parse(line);
        if (rec.leadId && rec.trace_id && rec.trace_flags === '01') leadTraces.set(rec.leadId, rec.trace_id);
      } catch {
        // not a JSON line
      }
    }
  };
  for (const [stream, isStderr] of [[child.stdout, false], [child.stderr, true]]) {
    let buf = '';
    stream.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl), isStderr);
        buf = buf.slice(nl + 1);
      }
    });
  }
  children.push(entry);
  return entry;
}

async function waitHealthy(entry, url, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void entry.exit.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    if ((await probe(url))?.status === 200) return;
    await sleep(100);
  }
  throw new Error(`${entry.label} did not become healthy at ${url}${exited ? ` (it exited: see its lines above and ${shown(entry.logFile)})` : ' within 20 s'}`);
}

async function stopServices() {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  // The preload flag flushes telemetry on SIGTERM (at most 5 s) and exits 143.
  const results = await Promise.race([Promise.all(children.map((c) => c.exit)), sleep(8000).then(() => undefined)]);
  if (!results) for (const { child } of children) child.kill('SIGKILL');
  return results;
}

const collectorUp = await tcpOpen(ports.collectorHttp);
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? `http://localhost:${ports.collectorHttp}`;
const common = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_RESOURCE_ATTRIBUTES: process.env.OTEL_RESOURCE_ATTRIBUTES ?? 'deployment.environment.name=demo' };

const enrichment = startService('enrichment', 'dist/enrichment.js', {
  ...common,
  OTEL_SERVICE_NAME: 'crm-enrichment',
  OTEL_EXPORTER_PROMETHEUS_PORT: String(ports.enrichmentMetrics),
  ENRICHMENT_PORT: String(ports.enrichment),
});
const crm = startService('crm', 'dist/server.js', {
  ...common,
  OTEL_SERVICE_NAME: 'crm-service',
  OTEL_EXPORTER_PROMETHEUS_PORT: String(ports.crmMetrics),
  CRM_PORT: String(ports.crm),
  ENRICHMENT_URL: `http://127.0.0.1:${ports.enrichment}`,
});

try {
  await Promise.all([waitHealthy(enrichment, `http://127.0.0.1:${ports.enrichment}/health`), waitHealthy(crm, `http://127.0.0.1:${ports.crm}/health`)]);
} catch (error) {
  process.stderr.write(`demo: ${error.message}\n`);
  await stopServices();
  process.exit(1);
}

// ---- what runs where, told as it is --------------------------------------------------------------
const [jaegerRoot, promUi, prometheusUp, alertmanagerUp, opensearchUp, grafanaUp, dashboardsUp] = await Promise.all([
  probe(`${jaegerBase}/`),
  probe(`http://127.0.0.1:${ports.prometheus}/query`),
  tcpOpen(ports.prometheus),
  tcpOpen(ports.alertmanager),
  tcpOpen(ports.opensearch),
  tcpOpen(ports.grafana),
  tcpOpen(ports.dashboards),
]);
// The module build of Jaeger serves a placeholder page instead of its UI (no UI assets).
const jaegerUi = jaegerRoot?.status === 200 && !jaegerRoot.text.includes('not the Jaeger UI');
const traceUrl = (id) => (jaegerUi ? `http://localhost:${ports.jaeger}/trace/${id}` : `${jaegerBase}/api/traces/${id}`);
const mark = (up) => (up ? '' : '  (not running)');

const lines = [
  '',
  'CRM demo running: two Express services with no OpenTelemetry code, instrumented by `node --require @crm/otel-register`',
  `  crm-service      http://127.0.0.1:${ports.crm}/api       metrics http://localhost:${ports.crmMetrics}/metrics`,
  `  crm-enrichment   http://127.0.0.1:${ports.enrichment}/v1/companies/<domain>   metrics http://localhost:${ports.enrichmentMetrics}/metrics`,
  `  JSON logs        ${shown(crm.logFile)}, ${shown(enrichment.logFile)}${opts.verbose ? ' (and here: --verbose)' : ' (--verbose: also here)'}`,
  '',
  `Telemetry${collectorUp ? '' : ' (local stack not running: traces and logs have nowhere to go; metrics still show on /metrics)'}:`,
  `  collector        ${endpoint}${mark(collectorUp)}`,
  jaegerUi
    ? `  traces           Jaeger UI http://localhost:${ports.jaeger}`
    : `  traces           Jaeger API ${jaegerBase}/api/traces/<trace id>${mark(jaegerRoot)}` +
      (jaegerRoot ? '\n                   (this Jaeger is built from its Go module, without UI: node examples/crm-service/demo.mjs --trace <trace id> draws one here)' : ''),
  `  metrics          Prometheus ${promUi?.status === 200 ? `UI http://localhost:${ports.prometheus}` : `API http://127.0.0.1:${ports.prometheus}/api/v1/query?query=leads_created_total${prometheusUp ? ' (no UI in this build)' : ''}`}${mark(prometheusUp)}`,
  `  alerts           Alertmanager API http://127.0.0.1:${ports.alertmanager}/api/v2/alerts${mark(alertmanagerUp)}`,
  `  logs, events     OpenSearch http://127.0.0.1:${ports.opensearch}/crm-app-logs-*/_search?q=traceId:<trace id> (and crm-business-events-*)${mark(opensearchUp)}`,
  grafanaUp || dashboardsUp
    ? `  UIs              Grafana http://localhost:${ports.grafana}${mark(grafanaUp)}, OpenSearch Dashboards http://localhost:${ports.dashboards}${mark(dashboardsUp)}`
    : '  UIs              Grafana, OpenSearch Dashboards and the Jaeger and Prometheus UIs come with docker compose (README: "docker compose")',
];
if (!collectorUp) lines.push('  Start the local stack with: npm run stack:install && npm run stack');
lines.push(
  '',
  opts.duration ? `traffic: ${opts.rate} journeys/s for ${opts.duration} s` : `traffic: ${opts.rate} journeys/s until Ctrl-C`,
  'One line per journey: the lead, what happened next, and its trace (POST /api/leads through both services).',
  '',
);
process.stdout.write(lines.join('\n') + '\n');

// ---- the journeys ------------------------------------------------------------------------------------
const clock = () => new Date().toTimeString().slice(0, 8);
let syncsWithFailures = 0;

function printJourney(report, attempt = 0) {
  const traceId = report.leadId ? leadTraces.get(report.leadId) : undefined;
  // The "lead created" log line can come a moment after the HTTP answer (another pipe).
  if (report.leadId && !traceId && attempt < 5) {
    setTimeout(() => printJourney(report, attempt + 1), 100).unref();
    return;
  }
  const what = report.leadId
    ? [`lead ${report.leadId} (${report.source}${report.enriched ? '' : ', enrichment failed'})`, ...report.steps].join(' -> ')
    : 'lead not created';
  const failed = report.failed ? `  [${report.failed.request} answered ${report.failed.status || 'nothing'}]` : '';
  const trace = traceId ? `  ${collectorUp ? traceUrl(traceId) : `trace ${traceId} (not exported)`}` : '';
  process.stdout.write(`${clock()}  ${what}${failed}${trace}\n`);
  if (leadTraces.size > 10_000) leadTraces.clear();
}

function printSync(report) {
  if (report.failed) syncsWithFailures++;
  const result = report.failed === undefined ? `answered ${report.status || 'nothing'}` : `${report.failed} of ${report.records} records rejected`;
  process.stdout.write(`${clock()}  sync from ${report.source}: ${result}\n`);
}

const { TrafficGenerator } = await import(join(here, 'dist', 'traffic.js'));
const stop = new AbortController();
const traffic = new TrafficGenerator({
  baseUrl: `http://127.0.0.1:${ports.crm}`,
  journeysPerSecond: opts.rate,
  syncEvery: 8,
  signal: stop.signal,
  onJourney: (r) => printJourney(r),
  onSync: printSync,
});
const summary = () => {
  const s = traffic.stats;
  return `traffic: ${s.requests} requests, ${s.ok} ok, ${s.clientErrors} 4xx, ${s.serverErrors} 5xx, ${s.networkErrors} network errors (${s.journeys} journeys, ${s.syncs} syncs, ${syncsWithFailures} with rejected records)`;
};
const ticker = setInterval(() => process.stdout.write(`${clock()}  -- ${summary()}\n`), 5_000);
ticker.unref();

let stopping = false;
const requestStop = (why) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\ndemo: stopping (${why})\n`);
  stop.abort();
};
process.on('SIGINT', () => requestStop('Ctrl-C'));
process.on('SIGTERM', () => requestStop('SIGTERM'));
// A service that dies ends the demo.
for (const c of children) void c.exit.then(({ code, signal }) => !stopping && requestStop(`${c.label} exited with ${code ?? signal}: see ${shown(c.logFile)}`));
if (opts.duration) setTimeout(() => requestStop(`--duration ${opts.duration} s reached`), opts.duration * 1000).unref();

await traffic.run();
clearInterval(ticker);
process.stdout.write(`${summary()}\n`);
const exits = await stopServices();
process.stdout.write(
  `demo: services stopped (${children.map((c, i) => `${c.label} ${exits ? (exits[i].code ?? exits[i].signal) : 'killed after 8 s'}`).join(', ')}); their logs: ${children.map((c) => shown(c.logFile)).join(', ')}\n`,
);
process.exit(traffic.stats.ok > 0 ? 0 : 1);
