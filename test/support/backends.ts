// Typed helpers for e2e tests against the local stack (stack/start.sh): its URLs, small clients
// for Jaeger, Prometheus and OpenSearch, and the start/stop scripts.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO, stackPort, type Component } from '@crm/test-kit';

export const urls = {
  jaeger: (): string => `http://127.0.0.1:${stackPort('JAEGER_UI_PORT')}`,
  jaegerOtlpHttp: (): string => `http://127.0.0.1:${stackPort('JAEGER_OTLP_HTTP_PORT')}`,
  prometheus: (): string => `http://127.0.0.1:${stackPort('PROMETHEUS_PORT')}`,
  opensearch: (): string => `http://127.0.0.1:${stackPort('OPENSEARCH_PORT')}`,
  collectorOtlpHttp: (): string => `http://127.0.0.1:${stackPort('COLLECTOR_OTLP_HTTP_PORT')}`,
};

// ---------- HTTP ----------

export async function httpJson<T>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text so callers' errors can quote it.
  }
  return { status: res.status, body: body as T };
}

async function okJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const { status, body } = await httpJson<T>(url, init);
  if (status < 200 || status >= 300) throw new Error(`${init.method ?? 'GET'} ${url} -> HTTP ${status}: ${JSON.stringify(body)}`);
  return body;
}

// ---------- Jaeger (query API /api/...) ----------

export interface JaegerKeyValue { key: string; type: string; value: unknown }
export interface JaegerReference { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: JaegerReference[];
  startTime: number;
  duration: number;
  tags: JaegerKeyValue[];
  logs: { timestamp: number; fields: JaegerKeyValue[] }[];
  processID: string;
}
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerKeyValue[] }>;
}

export interface FindTracesOptions {
  /** Span tags that must all match, e.g. { 'http.route': '/deals' }. */
  tags?: Record<string, string>;
  operation?: string;
  limit?: number;
  /** Jaeger lookback, e.g. '1h' (default). */
  lookback?: string;
}

/** Traces of a service (newest first as Jaeger returns them); [] when none. */
export async function findTraces(service: string, opts: FindTracesOptions = {}): Promise<JaegerTrace[]> {
  const q = new URLSearchParams({ service, limit: String(opts.limit ?? 20), lookback: opts.lookback ?? '1h' });
  if (opts.tags) q.set('tags', JSON.stringify(opts.tags));
  if (opts.operation) q.set('operation', opts.operation);
  const { status, body } = await httpJson<{ data: JaegerTrace[] | null }>(`${urls.jaeger()}/api/traces?${q}`);
  if (status === 404) return []; // unknown service: nothing stored yet
  if (status !== 200) throw new Error(`Jaeger /api/traces?${q} -> HTTP ${status}: ${JSON.stringify(body)}`);
  return body.data ?? [];
}

/** One trace by its 32-hex id, or undefined when Jaeger has none. */
export async function getTrace(traceId: string): Promise<JaegerTrace | undefined> {
  const { status, body } = await httpJson<{ data: JaegerTrace[] | null }>(`${urls.jaeger()}/api/traces/${traceId}`);
  if (status === 404) return undefined;
  if (status !== 200) throw new Error(`Jaeger /api/traces/${traceId} -> HTTP ${status}: ${JSON.stringify(body)}`);
  return body.data?.[0];
}

/** The service name of a span inside its trace. */
export function serviceOf(trace: JaegerTrace, span: JaegerSpan): string | undefined {
  return trace.processes[span.processID]?.serviceName;
}

// ---------- Prometheus (HTTP API /api/v1/...) ----------

export interface PromSample { metric: Record<string, string>; value: number; timestamp: number }

interface PromResponse<T> { status: 'success' | 'error'; data: T; error?: string }

/** Instant query; an instant vector's samples ([] when nothing matches). */
export async function promQuery(expr: string): Promise<PromSample[]> {
  const body = await okJson<PromResponse<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>>(
    `${urls.prometheus()}/api/v1/query?${new URLSearchParams({ query: expr })}`,
  );
  if (body.status !== 'success') throw new Error(`Prometheus query ${expr} failed: ${body.error ?? 'unknown error'}`);
  if (body.data.resultType !== 'vector') throw new Error(`Prometheus query ${expr} returned a ${body.data.resultType}, not a vector`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]), timestamp: r.value[0] }));
}

/** Label sets of the series matching a selector, e.g. promSeries('up{job="crm-apps"}'). */
export async function promSeries(match: string): Promise<Record<string, string>[]> {
  const body = await okJson<PromResponse<Record<string, string>[]>>(
    `${urls.prometheus()}/api/v1/series?${new URLSearchParams({ 'match[]': match })}`,
  );
  if (body.status !== 'success') throw new Error(`Prometheus series ${match} failed: ${body.error ?? 'unknown error'}`);
  return body.data;
}

export interface PromTarget { labels: Record<string, string>; scrapePool: string; scrapeUrl: string; health: 'up' | 'down' | 'unknown'; lastError: string }

/** Prometheus' active scrape targets. */
export async function promTargets(): Promise<PromTarget[]> {
  const body = await okJson<PromResponse<{ activeTargets: PromTarget[] }>>(`${urls.prometheus()}/api/v1/targets?state=active`);
  return body.data.activeTargets;
}

// ---------- OpenSearch ----------

export type OsQuery = Record<string, unknown>;
export interface OsHit<T> { _index: string; _id: string; _source: T }

// Missing indices count as empty: a test polls before the first document arrives.
const lenient = 'ignore_unavailable=true&allow_no_indices=true';

/** Documents matching a query DSL object (the value of "query"). */
export async function osSearch<T = Record<string, unknown>>(indexPattern: string, query: OsQuery = { match_all: {} }, size = 100): Promise<OsHit<T>[]> {
  const body = await okJson<{ hits: { hits: OsHit<T>[] } }>(`${urls.opensearch()}/${indexPattern}/_search?${lenient}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, size, sort: [{ _doc: 'asc' }] }),
  });
  return body.hits.hits;
}

export async function osCount(indexPattern: string, query: OsQuery = { match_all: {} }): Promise<number> {
  const body = await okJson<{ count: number }>(`${urls.opensearch()}/${indexPattern}/_count?${lenient}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return body.count;
}

/** Makes just-indexed documents searchable now. */
export async function osRefresh(indexPattern: string): Promise<void> {
  await okJson(`${urls.opensearch()}/${indexPattern}/_refresh?${lenient}`, { method: 'POST' });
}

// ---------- stack scripts ----------

function runScript(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(REPO, 'stack', script), ...args], { cwd: REPO, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`stack/${script} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

/** stack/start.sh [components]: resolves once they are healthy; returns the script's output. */
export function stackStart(...components: Component[]): Promise<string> {
  return runScript('start.sh', components);
}

/** stack/stop.sh [--kill] [components]: resolves once the processes are gone. */
export function stackStop(...args: Array<Component | { kill?: boolean }>): Promise<string> {
  const components = args.filter((a): a is Component => typeof a === 'string');
  const kill = args.some((a) => typeof a === 'object' && a.kill === true);
  return runScript('stop.sh', [...(kill ? ['--kill'] : []), ...components]);
}
