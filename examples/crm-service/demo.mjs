#!/usr/bin/env node
// `npm run demo`: starts the CRM API and the enrichment service with the preload flag
// (`node --require @crm/otel-register ...`) and sends them CRM traffic until Ctrl-C.
//   node examples/crm-service/demo.mjs [--duration SECONDS] [--rate JOURNEYS_PER_SECOND] [--verbose]
// Works with or without the local stack: without it, metrics still show on /metrics.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

function usage(message) {
  process.stderr.write(`demo: ${message}\nusage: node examples/crm-service/demo.mjs [--duration SECONDS] [--rate JOURNEYS_PER_SECOND] [--verbose]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { duration: undefined, rate: 2, verbose: false };
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

const opts = parseArgs(process.argv.slice(2));
const stackEnv = readStackEnv();
const ports = {
  crm: portFrom(stackEnv, 'CRM_PORT', portFrom(stackEnv, 'CRM_SERVICE_PORT', 8080)),
  enrichment: portFrom(stackEnv, 'ENRICHMENT_PORT', portFrom(stackEnv, 'ENRICHMENT_SERVICE_PORT', 8081)),
  crmMetrics: portFrom(stackEnv, 'APP_PROMETHEUS_PORT', 9464),
  collectorHttp: portFrom(stackEnv, 'COLLECTOR_OTLP_HTTP_PORT', 4318),
  jaeger: portFrom(stackEnv, 'JAEGER_UI_PORT', 16686),
  prometheus: portFrom(stackEnv, 'PROMETHEUS_PORT', 9090),
  opensearch: portFrom(stackEnv, 'OPENSEARCH_PORT', 9200),
  grafana: portFrom(stackEnv, 'GRAFANA_PORT', 3000),
  dashboards: portFrom(stackEnv, 'OPENSEARCH_DASHBOARDS_PORT', 5601),
};
// The stack's Prometheus scrapes the app port and the one after it (stack/start.sh).
ports.enrichmentMetrics = portFrom(stackEnv, 'ENRICHMENT_PROMETHEUS_PORT', ports.crmMetrics + 1);

for (const entry of ['dist/server.js', 'dist/enrichment.js', 'dist/traffic.js']) {
  if (!existsSync(join(here, entry))) {
    process.stderr.write(`demo: examples/crm-service/${entry} is missing: run \`npm run build\` first (npm run demo does it)\n`);
    process.exit(1);
  }
}

const children = [];

function startService(label, script, env) {
  const child = spawn(process.execPath, ['--require', '@crm/otel-register', script], {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry = { label, child, exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))), stderr: '' };
  const show = (line, isStderr) => {
    if (!line.trim()) return;
    if (isStderr) {
      entry.stderr += `${line}\n`;
      process.stdout.write(`[${label}] ${line}\n`);
      return;
    }
    // pino JSON lines: warnings and errors always, everything with --verbose.
    let level = 30;
    try {
      level = JSON.parse(line).level ?? 30;
    } catch {
      level = 40;
    }
    if (opts.verbose || level >= 40) process.stdout.write(`[${label}] ${line}\n`);
  };
  for (const [stream, isStderr] of [[child.stdout, false], [child.stderr, true]]) {
    let buf = '';
    stream.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        show(buf.slice(0, nl), isStderr);
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
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${entry.label} did not become healthy at ${url}${exited ? ' (it exited, see its lines above)' : ' within 20 s'}`);
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

const [jaegerUp, prometheusUp, opensearchUp] = await Promise.all([tcpOpen(ports.jaeger), tcpOpen(ports.prometheus), tcpOpen(ports.opensearch)]);
const mark = (up) => (up ? 'up' : 'not running');
const lines = [
  '',
  'CRM demo running:',
  `  CRM API          http://127.0.0.1:${ports.crm}/api  (health: /health /ready /live /ping)`,
  `  enrichment       http://127.0.0.1:${ports.enrichment}/v1/companies/<domain>`,
  `  metrics          http://localhost:${ports.crmMetrics}/metrics (crm-service), http://localhost:${ports.enrichmentMetrics}/metrics (crm-enrichment)`,
  `  collector        ${endpoint} (${mark(collectorUp)})`,
  `  Jaeger           http://localhost:${ports.jaeger} (${mark(jaegerUp)}): service crm-service, a POST /api/leads trace reaches crm-enrichment`,
  `  Prometheus       http://localhost:${ports.prometheus} (${mark(prometheusUp)}): leads_created_total, lead_conversion_rate, ALERTS`,
  `  OpenSearch       http://localhost:${ports.opensearch} (${mark(opensearchUp)}): indices crm-business-events-* and crm-app-logs-*`,
  `  Grafana http://localhost:${ports.grafana} and OpenSearch Dashboards http://localhost:${ports.dashboards}: with docker compose only`,
];
if (!collectorUp) {
  lines.push(`  The local stack is not running, so traces and logs have nowhere to go (metrics still show on /metrics). Start it with: npm run stack:install && npm run stack`);
}
lines.push(opts.duration ? `  traffic: ${opts.rate} journeys/s for ${opts.duration} s` : `  traffic: ${opts.rate} journeys/s until Ctrl-C`, '');
process.stdout.write(lines.join('\n') + '\n');

const { TrafficGenerator } = await import(join(here, 'dist', 'traffic.js'));
const stop = new AbortController();
const traffic = new TrafficGenerator({ baseUrl: `http://127.0.0.1:${ports.crm}`, journeysPerSecond: opts.rate, syncEvery: 8, signal: stop.signal });
const summary = () => {
  const s = traffic.stats;
  return `traffic: ${s.requests} requests, ${s.ok} ok, ${s.clientErrors} 4xx, ${s.serverErrors} 5xx, ${s.networkErrors} network errors (${s.journeys} journeys, ${s.syncs} syncs)`;
};
const ticker = setInterval(() => process.stdout.write(`${summary()}\n`), 10_000);
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
for (const c of children) void c.exit.then(({ code, signal }) => !stopping && requestStop(`${c.label} exited with ${code ?? signal}`));
if (opts.duration) setTimeout(() => requestStop(`--duration ${opts.duration} s reached`), opts.duration * 1000).unref();

await traffic.run();
clearInterval(ticker);
process.stdout.write(`${summary()}\n`);
const exits = await stopServices();
process.stdout.write(
  `demo: services stopped (${children.map((c, i) => `${c.label} ${exits ? (exits[i].code ?? exits[i].signal) : 'killed after 8 s'}`).join(', ')})\n`,
);
process.exit(traffic.stats.ok > 0 ? 0 : 1);
