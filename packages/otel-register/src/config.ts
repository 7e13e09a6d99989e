// Reads the environment (and programmatic options) into one validated Config.
// Every bad value produces one line naming the variable, the value, what is
// accepted and what is used instead; nothing here throws.
import { DEFAULT_LIMITS } from '@crm/redact';
import { readOtlpEnv, type Compression } from './otlp-env';
import { parseResourceAttributes, RESOURCE_ATTRIBUTES_ACCEPTED } from './resource-attributes';

import { isDisabled, SDK_DISABLED } from './disabled';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export type Signal = 'traces' | 'metrics' | 'logs';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';
export type LogLevel = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

export interface OtlpSignalConfig {
  /** Full URL of the signal's endpoint, e.g. http://localhost:4318/v1/traces */
  url: string;
  protocol: OtlpProtocol;
  timeoutMillis: number;
  compression: Compression;
}

export interface BatchConfig {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

export interface Config {
  disabled: boolean;
  serviceName: string | undefined;
  traces: { exporter: 'otlp' | 'console' | 'none'; otlp: OtlpSignalConfig; batch: BatchConfig };
  metrics: {
    prometheus: { host: string; port: number } | undefined;
    otlp: OtlpSignalConfig | undefined;
    console: boolean;
    exportIntervalMillis: number;
    exportTimeoutMillis: number;
  };
  logs: { exporter: 'otlp' | 'console' | 'none'; otlp: OtlpSignalConfig; batch: BatchConfig };
  sampler: { name: SamplerName; ratio: number };
  propagators: Array<'tracecontext' | 'baggage'>;
  instrumentations: { enabled: string[] | undefined; disabled: string[] };
  expressLayers: string[];
  resourceDetectors: string[];
  /** OTEL_RESOURCE_ATTRIBUTES without its bad entries. */
  resourceAttributes: Record<string, string>;
  /** OTEL_SEMCONV_STABILITY_OPT_IN without its unknown entries ('' for none left), when it had some. */
  semconvStabilityOptIn: string | undefined;
  /** Added to @crm/redact's built-in rules; see RedactOptions. */
  redaction: { headers: string[]; queryKeys: string[]; emails: boolean; paths: string[]; maxLength: number };
  captureHeaders: { serverRequest: string[]; serverResponse: string[] };
  ignorePaths: string[];
  shutdownTimeoutMillis: number;
  quiet: boolean;
  logLevel: LogLevel;
}

/** Options for the programmatic API; each one overrides its environment variable. */
export interface RegisterOptions {
  serviceName?: string;
  /** Base OTLP/HTTP endpoint, like OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpEndpoint?: string;
  tracesExporter?: 'otlp' | 'console' | 'none';
  metricsExporters?: Array<'prometheus' | 'otlp' | 'console'>;
  logsExporter?: 'otlp' | 'console' | 'none';
  prometheus?: { host?: string; port?: number };
  sampler?: { name: SamplerName; ratio?: number };
  redactHeaders?: string[];
  redactQueryKeys?: string[];
  redactEmails?: boolean;
  redactPaths?: string[];
  ignorePaths?: string[];
  shutdownTimeoutMillis?: number;
  quiet?: boolean;
  /** Environment to read instead of process.env (tests). */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULTS = {
  otlpEndpoint: 'http://localhost:4318',
  prometheusHost: '0.0.0.0',
  prometheusPort: 9464,
  sampler: 'parentbased_always_on' as SamplerName,
  shutdownTimeoutMillis: 5000,
  // Noisy or costly instrumentations that are off unless listed in OTEL_NODE_ENABLED_INSTRUMENTATIONS.
  // aws-lambda is for Lambda handlers only; list it to use it.
  disabledInstrumentations: ['fs', 'dns', 'net', 'host-metrics', 'aws-lambda'],
  // Express middleware layers (body parsers, cors, ...) would each cost a span.
  expressLayers: ['router', 'request_handler'],
  resourceDetectors: ['env', 'host', 'os', 'process', 'container', 'serviceinstance'],
  ignorePaths: ['/health', '/healthz', '/ready', '/live', '/ping', '/metrics'],
} as const;

const SAMPLERS: readonly SamplerName[] = [
  'always_on', 'always_off', 'traceidratio',
  'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio',
];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
const LOG_LEVELS: readonly LogLevel[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
const SIGNAL_PATH: Record<Signal, string> = { traces: 'v1/traces', metrics: 'v1/metrics', logs: 'v1/logs' };
const CLOUD_DETECTORS = ['aws', 'gcp', 'azure', 'alibaba'];

export interface ConfigResult {
  config: Config;
  /** One line per bad value, ready to print. */
  problems: string[];
  /** Values never to be printed (OTLP header values, endpoint passwords): see hideInOutput(). */
  secrets: string[];
}

export class Reader {
  readonly problems: string[] = [];
  readonly secrets: string[] = [];
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  bad(name: string, value: string, accepted: string, usedInstead: string): void {
    this.problems.push(`${name}=${JSON.stringify(value)} is invalid: accepted ${accepted}; using ${usedInstead}`);
  }

  /** For a value that must not be printed: `what` names it without showing it. */
  badHidden(what: string, accepted: string, usedInstead: string): void {
    this.problems.push(`${what} is invalid: accepted ${accepted}; using ${usedInstead}`);
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const l = v.toLowerCase();
    if (l === 'true' || l === '1') return true;
    if (l === 'false' || l === '0') return false;
    this.bad(name, v, 'true or false', String(fallback));
    return fallback;
  }

  oneOf<T extends string>(name: string, accepted: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const l = v.toLowerCase() as T;
    if (accepted.includes(l)) return l;
    this.bad(name, v, `one of ${accepted.join(', ')}`, fallback);
    return fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    this.bad(name, v, `an integer from ${min} to ${max}`, String(fallback));
    return fallback;
  }

  /** A comma list; one with no entry at all (`,,,`) is reported and read as unset. */
  list(name: string): string[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const list = v.split(',').map((s) => s.trim()).filter(Boolean);
    if (list.length > 0) return list;
    this.bad(name, v, 'a comma-separated list with at least one entry', 'the default');
    return undefined;
  }

  url(name: string, fallback: string): string {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    try {
      const u = new URL(v);
      if (u.password) this.secrets.push(u.password, safeDecode(u.password));
      if (u.protocol === 'http:' || u.protocol === 'https:') return v;
    } catch {
      // reported below
    }
    // user:password@host without a scheme: keep the credentials out of the line below.
    const authority = v.split('/')[0]!;
    if (authority.includes('@')) this.secrets.push(authority.slice(0, authority.lastIndexOf('@')));
    this.bad(name, v, 'an http:// or https:// URL', fallback);
    return fallback;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function joinUrl(base: string, path: string): string {
  return base.endsWith('/') ? base + path : `${base}/${path}`;
}

type OtlpEnv = ReturnType<typeof readOtlpEnv>;

function otlpFor(r: Reader, signal: Signal, base: string, baseProtocol: OtlpProtocol, otlpEnv: OtlpEnv): OtlpSignalConfig {
  const upper = signal.toUpperCase();
  const protocol = r.oneOf(`OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`, PROTOCOLS, baseProtocol);
  const fallback = protocol === 'grpc' ? base : joinUrl(base, SIGNAL_PATH[signal]);
  // A per-signal endpoint is used as is (OTel spec); the base one gets /v1/<signal>.
  const url = r.url(`OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`, fallback);
  return { url, protocol, ...otlpEnv(signal) };
}

// The values the instrumentations know (@opentelemetry/instrumentation's semconvStabilityFromStr,
// case-insensitive; the list is the one of the OpenTelemetry configuration schema).
const SEMCONV_OPT_IN = ['http', 'database', 'rpc', 'messaging', 'code'].flatMap((n) => [n, `${n}/dup`]);

function semconvOptIn(r: Reader): string | undefined {
  const list = r.list('OTEL_SEMCONV_STABILITY_OPT_IN');
  if (list === undefined) return undefined;
  const known = list.filter((entry) => SEMCONV_OPT_IN.includes(entry.toLowerCase()));
  if (known.length === list.length) return undefined;
  for (const entry of list) {
    if (!known.includes(entry)) r.bad('OTEL_SEMCONV_STABILITY_OPT_IN', entry, `a comma list of ${SEMCONV_OPT_IN.join(', ')}`, known.length ? 'the other listed values' : 'http');
  }
  return known.join(',');
}

function propagatorList(r: Reader): Config['propagators'] {
  const propagators: Config['propagators'] = [];
  for (const p of r.list('OTEL_PROPAGATORS') ?? ['tracecontext', 'baggage']) {
    const l = p.toLowerCase();
    if (l === 'tracecontext' || l === 'baggage') propagators.push(l);
    else if (l !== 'none') r.bad('OTEL_PROPAGATORS', p, 'tracecontext, baggage, none', 'the other listed propagators');
  }
  return propagators;
}

function ignorePaths(r: Reader): string[] {
  const list = r.list('CRM_OTEL_IGNORE_PATHS');
  if (list === undefined) return [...DEFAULTS.ignorePaths];
  const paths = list.filter((p) => p.startsWith('/'));
  for (const p of list) if (!p.startsWith('/')) r.bad('CRM_OTEL_IGNORE_PATHS', p, 'paths starting with /', paths.length ? 'the other listed paths' : 'the default');
  return paths.length ? paths : [...DEFAULTS.ignorePaths];
}

/**
 * PORT is where apps conventionally listen. A Prometheus endpoint started there first (the
 * register runs before the app) would make the app's own listen() fail with EADDRINUSE: the
 * endpoint is left out instead, so the app keeps its port.
 */
function prometheusPort(r: Reader, port: number): number | undefined {
  const appPort = r.raw('PORT');
  if (appPort === undefined || port === 0 || Number(appPort) !== port) return port;
  r.bad(
    'OTEL_EXPORTER_PROMETHEUS_PORT',
    String(port),
    `a port other than the app's own (PORT=${appPort})`,
    'no Prometheus endpoint, so that the app can listen on its port',
  );
  return undefined;
}

function batch(r: Reader, prefix: 'OTEL_BSP' | 'OTEL_BLRP', delay: number): BatchConfig {
  const maxQueueSize = r.int(`${prefix}_MAX_QUEUE_SIZE`, 2048, 1, 1_000_000);
  let maxExportBatchSize = r.int(`${prefix}_MAX_EXPORT_BATCH_SIZE`, 512, 1, 1_000_000);
  if (maxExportBatchSize > maxQueueSize) {
    r.bad(`${prefix}_MAX_EXPORT_BATCH_SIZE`, String(maxExportBatchSize), `at most ${prefix}_MAX_QUEUE_SIZE (${maxQueueSize})`, String(maxQueueSize));
    maxExportBatchSize = maxQueueSize;
  }
  return {
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMillis: r.int(`${prefix}_SCHEDULE_DELAY`, delay, 0, 3_600_000),
    exportTimeoutMillis: r.int(`${prefix}_EXPORT_TIMEOUT`, 30_000, 1, 3_600_000),
  };
}

function exporterChoice(r: Reader, name: string, fallback: 'otlp' | 'none'): 'otlp' | 'console' | 'none' {
  return r.oneOf(name, ['otlp', 'console', 'none'] as const, fallback);
}

function metricExporters(r: Reader): Set<string> {
  const accepted = ['prometheus', 'otlp', 'console', 'none'];
  const list = r.list('OTEL_METRICS_EXPORTER');
  if (list === undefined) return new Set(['prometheus']);
  const chosen = new Set<string>();
  for (const item of list.map((s) => s.toLowerCase())) {
    if (accepted.includes(item)) chosen.add(item);
    else r.bad('OTEL_METRICS_EXPORTER', item, `a comma list of ${accepted.join(', ')}`, 'the other listed values');
  }
  if (chosen.has('none')) return new Set();
  return chosen.size ? chosen : new Set(['prometheus']);
}

function knownList(r: Reader, name: string, accepted: readonly string[]): string[] | undefined {
  const list = r.list(name);
  if (list === undefined) return undefined;
  const ok: string[] = [];
  for (const item of list) {
    if (accepted.includes(item)) ok.push(item);
    else r.bad(name, item, `names from: ${accepted.join(', ')}`, 'the other listed names');
  }
  return ok;
}

function lower(list: readonly string[]): string[] {
  return list.map((s) => s.toLowerCase());
}

/**
 * Builds the configuration. `knownInstrumentations` are the short names
 * (`http`, `express`, ...) that OTEL_NODE_*_INSTRUMENTATIONS may use.
 */
export function readConfig(options: RegisterOptions = {}, knownInstrumentations: readonly string[] = []): ConfigResult {
  const env = options.env ?? process.env;
  const r = new Reader(env);
  // isDisabled decides, as in the entries; the reader only reports a value that is neither true nor false.
  if (!isDisabled(env)) r.bool(SDK_DISABLED, false);

  const protocol = r.oneOf('OTEL_EXPORTER_OTLP_PROTOCOL', PROTOCOLS, 'http/protobuf');
  const base = options.otlpEndpoint ?? r.url('OTEL_EXPORTER_OTLP_ENDPOINT', DEFAULTS.otlpEndpoint);

  let samplerName = options.sampler?.name ?? r.oneOf('OTEL_TRACES_SAMPLER', SAMPLERS, DEFAULTS.sampler);
  let ratio = options.sampler?.ratio ?? 1;
  const ratioRaw = r.raw('OTEL_TRACES_SAMPLER_ARG');
  if (options.sampler?.ratio === undefined && ratioRaw !== undefined && samplerName.endsWith('traceidratio')) {
    const n = Number(ratioRaw);
    if (Number.isFinite(n) && n >= 0 && n <= 1) ratio = n;
    else r.bad('OTEL_TRACES_SAMPLER_ARG', ratioRaw, 'a number from 0 to 1', '1');
  }
  if (!SAMPLERS.includes(samplerName)) samplerName = DEFAULTS.sampler;

  const metricSet = options.metricsExporters ? new Set<string>(options.metricsExporters) : metricExporters(r);
  const promHost = options.prometheus?.host ?? r.raw('OTEL_EXPORTER_PROMETHEUS_HOST') ?? DEFAULTS.prometheusHost;
  const promPort = metricSet.has('prometheus')
    ? prometheusPort(r, options.prometheus?.port ?? r.int('OTEL_EXPORTER_PROMETHEUS_PORT', DEFAULTS.prometheusPort, 0, 65535))
    : undefined;
  const otlpEnv = readOtlpEnv(r);

  const detectorNames = [...DEFAULTS.resourceDetectors, ...CLOUD_DETECTORS, 'all', 'none'];
  let detectors = knownList(r, 'OTEL_NODE_RESOURCE_DETECTORS', detectorNames) ?? [...DEFAULTS.resourceDetectors];
  if (detectors.includes('none')) detectors = [];
  // "all" means our local detectors; cloud metadata calls happen only when named.
  if (detectors.includes('all')) detectors = [...DEFAULTS.resourceDetectors, ...detectors.filter((d) => CLOUD_DETECTORS.includes(d))];

  const config: Config = {
    disabled: isDisabled(env),
    serviceName: options.serviceName ?? r.raw('OTEL_SERVICE_NAME'),
    traces: {
      exporter: options.tracesExporter ?? exporterChoice(r, 'OTEL_TRACES_EXPORTER', 'otlp'),
      otlp: otlpFor(r, 'traces', base, protocol, otlpEnv),
      batch: batch(r, 'OTEL_BSP', 5000),
    },
    metrics: {
      prometheus: promPort === undefined ? undefined : { host: promHost, port: promPort },
      otlp: metricSet.has('otlp') ? otlpFor(r, 'metrics', base, protocol, otlpEnv) : undefined,
      console: metricSet.has('console'),
      exportIntervalMillis: r.int('OTEL_METRIC_EXPORT_INTERVAL', 60_000, 100, 86_400_000),
      exportTimeoutMillis: r.int('OTEL_METRIC_EXPORT_TIMEOUT', 30_000, 1, 86_400_000),
    },
    logs: {
      exporter: options.logsExporter ?? exporterChoice(r, 'OTEL_LOGS_EXPORTER', 'otlp'),
      otlp: otlpFor(r, 'logs', base, protocol, otlpEnv),
      batch: batch(r, 'OTEL_BLRP', 1000),
    },
    sampler: { name: samplerName, ratio },
    propagators: propagatorList(r),
    instrumentations: {
      enabled: knownList(r, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS', knownInstrumentations),
      disabled: knownList(r, 'OTEL_NODE_DISABLED_INSTRUMENTATIONS', knownInstrumentations) ?? [],
    },
    expressLayers: (
      knownList(r, 'CRM_OTEL_EXPRESS_LAYERS', ['router', 'middleware', 'request_handler', 'none']) ?? [...DEFAULTS.expressLayers]
    ).filter((l) => l !== 'none'),
    resourceDetectors: detectors,
    resourceAttributes: parseResourceAttributes(r.raw('OTEL_RESOURCE_ATTRIBUTES') ?? '', (entry) =>
      r.bad('OTEL_RESOURCE_ATTRIBUTES', entry, RESOURCE_ATTRIBUTES_ACCEPTED, 'the other entries'),
    ),
    semconvStabilityOptIn: semconvOptIn(r),
    redaction: {
      headers: lower(options.redactHeaders ?? r.list('CRM_OTEL_REDACT_HEADERS') ?? []),
      queryKeys: lower(options.redactQueryKeys ?? r.list('CRM_OTEL_REDACT_QUERY_KEYS') ?? []),
      emails: options.redactEmails ?? r.bool('CRM_OTEL_REDACT_EMAILS', true),
      paths: options.redactPaths ?? r.list('CRM_OTEL_REDACT_PATHS') ?? [],
      maxLength: r.int('CRM_OTEL_REDACT_MAX_LENGTH', DEFAULT_LIMITS.maxLength, 1024, 16_777_216),
    },
    captureHeaders: {
      serverRequest: lower(r.list('OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS') ?? []),
      serverResponse: lower(r.list('OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_RESPONSE_HEADERS') ?? []),
    },
    ignorePaths: options.ignorePaths ?? ignorePaths(r),
    shutdownTimeoutMillis:
      options.shutdownTimeoutMillis ?? r.int('CRM_OTEL_SHUTDOWN_TIMEOUT_MS', DEFAULTS.shutdownTimeoutMillis, 0, 600_000),
    quiet: options.quiet ?? r.bool('CRM_OTEL_QUIET', false),
    logLevel: r.oneOf('OTEL_LOG_LEVEL', LOG_LEVELS, 'warn'),
  };
  return { config, problems: r.problems, secrets: r.secrets };
}
