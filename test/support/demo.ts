// Starts and stops the demo CRM services (examples/crm-service) from tests, with the preload
// flag exactly as users run them, and calls their API.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { FIXTURES, REPO, freePort, stackEnv, stackPort, startApp, waitFor, type AppProcess } from '@crm/test-kit';

export const SERVICE_DIR = join(REPO, 'examples', 'crm-service');

/** A service entry for startApp (which resolves files against test/fixtures). */
export function serviceEntry(file: string): string {
  return relative(FIXTURES, join(SERVICE_DIR, file));
}

/** A short id unique to this test run, used in service.instance.id and looked up in the backends. */
export function runId(prefix = 'e2e'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface ServiceProcess extends AppProcess {
  base: string;
  instanceId: string;
  metricsPort: number;
}

export interface DemoServices {
  crm: ServiceProcess;
  enrichment: ServiceProcess;
  stop(): Promise<void>;
}

export interface DemoOptions {
  /** Unique per run; service.instance.id is `<runId>-crm` / `<runId>-enrichment`. */
  runId: string;
  /** Extra environment for both services (fast export intervals, header capture, ...). */
  env?: Record<string, string | undefined>;
  crmEnv?: Record<string, string | undefined>;
  /** Metrics ports; default APP_PROMETHEUS_PORT and the port after it (what the stack's Prometheus scrapes). */
  crmMetricsPort?: number;
  enrichmentMetricsPort?: number;
}

function ensureBuilt(): void {
  for (const f of ['dist/server.js', 'dist/enrichment.js']) {
    if (!existsSync(join(SERVICE_DIR, f))) throw new Error(`examples/crm-service/${f} is missing: run \`npm run build\` first`);
  }
}

async function startService(
  script: string,
  name: string,
  instanceId: string,
  metricsPort: number,
  httpPortVar: string,
  env: Record<string, string | undefined>,
): Promise<ServiceProcess> {
  const port = await freePort();
  const app = startApp(serviceEntry(script), {
    cwd: SERVICE_DIR,
    env: {
      OTEL_SERVICE_NAME: name,
      // The collector keeps no instance id on the metrics it derives from spans (spanmetrics), so
      // the environment name, unique per run, is what narrows those series to this run.
      OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instanceId},deployment.environment.name=${instanceId}`,
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://localhost:${stackPort('COLLECTOR_OTLP_HTTP_PORT')}`,
      [httpPortVar]: String(port),
      ...env,
    },
  });
  await app.waitForOutput(new RegExp(`"${name} listening"`), 20_000);
  // The stack's Prometheus scrapes fixed ports: another process on them would make every count wrong.
  if (/could not listen on/.test(app.stderr())) {
    await app.stop();
    throw new Error(`${name}: its metrics port ${metricsPort} is in use by another process (stop it, e.g. a running demo): ${app.stderr()}`);
  }
  return Object.assign(app, { base: `http://127.0.0.1:${port}`, instanceId, metricsPort });
}

export async function startDemoServices(opts: DemoOptions): Promise<DemoServices> {
  ensureBuilt();
  // CRM_E2E_METRICS_PORT moves both services (port and port + 1) off APP_PROMETHEUS_PORT, e.g. when
  // something else holds it; the stack's Prometheus must then scrape those ports (CRM_APP_METRICS_TARGETS).
  const appMetrics = Number(process.env['CRM_E2E_METRICS_PORT'] || stackEnv()['APP_PROMETHEUS_PORT'] || 9464);
  const env = opts.env ?? {};
  const enrichment = await startService(
    'dist/enrichment.js',
    'crm-enrichment',
    `${opts.runId}-enrichment`,
    opts.enrichmentMetricsPort ?? appMetrics + 1,
    'ENRICHMENT_PORT',
    env,
  );
  let crm: ServiceProcess;
  try {
    crm = await startService('dist/server.js', 'crm-service', `${opts.runId}-crm`, opts.crmMetricsPort ?? appMetrics, 'CRM_PORT', {
      ENRICHMENT_URL: enrichment.base,
      ...env,
      ...opts.crmEnv,
    });
  } catch (error) {
    await enrichment.stop();
    throw error;
  }
  return {
    crm,
    enrichment,
    async stop() {
      await Promise.all([crm.stop(), enrichment.stop()]);
    },
  };
}

/** Fast export settings so that tests do not wait for the default 5 s batches. */
export const FAST_EXPORT: Record<string, string> = {
  OTEL_BSP_SCHEDULE_DELAY: '200',
  OTEL_BLRP_SCHEDULE_DELAY: '200',
  CRM_EVENTS_HASH_KEY: 'e2e-test-hash-key-0123456789',
};

// ---- API calls ---------------------------------------------------------------------------

export interface ApiResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  traceparent: string | undefined;
}

export async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResult<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text answer
  }
  return { status: res.status, body: parsed as T, traceparent: res.headers.get('traceparent') ?? undefined };
}

export interface LeadInput {
  name?: string;
  email?: string;
  company?: string;
  source: string;
  score?: number;
}

export async function createLead(base: string, input: LeadInput, headers: Record<string, string> = {}): Promise<{ id: string }> {
  const r = await api<{ id: string }>(
    base,
    'POST',
    '/api/leads',
    { name: 'Test Lead', email: 'lead@acme.com', company: 'Acme', ...input },
    headers,
  );
  if (r.status !== 201) throw new Error(`POST /api/leads answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function expectStatus(p: Promise<ApiResult>, status: number, what: string): Promise<ApiResult> {
  const r = await p;
  if (r.status !== status) throw new Error(`${what} answered ${r.status}, expected ${status}: ${JSON.stringify(r.body)}`);
  return r;
}

// ---- trace context, process facts, results -----------------------------------------------

export interface TraceParent {
  traceId: string;
  spanId: string;
  header: string;
}

/** A sampled W3C traceparent with fresh ids: the test plays the caller, so it knows each trace id. */
export function newTraceParent(): TraceParent {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
}

/** service.instance.id of a running service, read from target_info on its /metrics. */
export async function instanceIdOf(metricsPort: number): Promise<string> {
  // The metrics endpoint may open a moment after the app's own port.
  return waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
      const m = /^target_info\{[^}]*service_instance_id="([^"]+)"/m.exec(await res.text());
      if (!m) throw new Error('no target_info with service_instance_id');
      return m[1]!;
    },
    { what: `service.instance.id on :${metricsPort}/metrics`, timeoutMs: 10_000, intervalMs: 200 },
  );
}

/** Resident memory of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

export const RESULTS_FILE = join(REPO, 'test', 'results', 'reliability.json');

/** Merges one test's figures into test/results/reliability.json (git-ignored). */
export function recordResult(key: string, figures: Record<string, unknown>): void {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  let all: Record<string, unknown> = {};
  if (existsSync(RESULTS_FILE)) {
    try {
      all = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>;
    } catch {
      all = {};
    }
  }
  all['command'] = 'npm run test:e2e   (or: KEEP_STACK=1 node scripts/run-tests.mjs e2e)';
  all['machine'] = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
  all[key] = { ...figures, recordedAt: new Date().toISOString() };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(all, null, 2)}\n`);
}

// ---- load --------------------------------------------------------------------------------

export interface LoadRequest {
  traceId: string;
  status: number;
  startedAt: number;
  endedAt: number;
  leadId?: string;
}

export interface LoadRun {
  requests: LoadRequest[];
  stop(): Promise<void>;
  /** Requests answered 201 between two times (ms since epoch). */
  servedBetween(from: number, to: number): number;
}

/**
 * Closed-loop load: `concurrency` workers each create leads one after another (each lead is a
 * two-service trace with a known trace id). Answers other than 201 are kept too.
 */
export function startLoad(base: string, concurrency: number, source: string): LoadRun {
  const requests: LoadRequest[] = [];
  let stopped = false;
  const worker = async (): Promise<void> => {
    while (!stopped) {
      const tp = newTraceParent();
      const startedAt = Date.now();
      try {
        const r = await api<{ id: string }>(base, 'POST', '/api/leads', { name: 'Load Lead', email: 'load@acme.com', company: 'Acme', source }, { traceparent: tp.header });
        requests.push({ traceId: tp.traceId, status: r.status, startedAt, endedAt: Date.now(), ...(r.status === 201 ? { leadId: r.body.id } : {}) });
      } catch {
        requests.push({ traceId: tp.traceId, status: 0, startedAt, endedAt: Date.now() });
      }
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());
  return {
    requests,
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
    servedBetween(from, to) {
      return requests.filter((r) => r.status === 201 && r.endedAt >= from && r.endedAt < to).length;
    },
  };
}

// ---- OpenSearch ------------------------------------------------------------------------------

/**
 * Exact match on a string field of a log document, whether the index mapped it as a keyword
 * (the stack's index templates) or as text with a .keyword sub-field (an index created before
 * the templates were applied).
 */
export function exactly(field: string, values: string | string[]): Record<string, unknown> {
  const list = Array.isArray(values) ? values : [values];
  return { bool: { should: [{ terms: { [field]: list } }, { terms: { [`${field}.keyword`]: list } }], minimum_should_match: 1 } };
}
