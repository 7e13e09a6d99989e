// The three ways the benchmark app runs. Only the --require flag and its
// exporter settings differ; the app, Node and the machine are the same.
import { join } from 'node:path';
import { scrubbedEnv, REPO } from '@crm/test-kit';

export const APP = join(REPO, 'bench', 'fixtures', 'app.cjs');

// Resource detectors both SDKs run: our register's defaults. The official
// register's default ("all") adds cloud metadata lookups, which would measure
// network timeouts rather than the SDK.
const DETECTORS = 'env,host,os,process,container,serviceinstance';

/**
 * @param endpoint OTLP/HTTP base URL (collector or local sink)
 * @param withEnvs extra variants: ours with these settings added (--with)
 * @param preloads extra variants: another preload with ours' settings (--preload)
 * @returns [{ name, label, nodeArgs, env, config }]
 */
export function variants(endpoint, withEnvs = [], preloads = []) {
  const common = { OTEL_SERVICE_NAME: 'bench-app', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
  const list = [
    {
      name: 'bare',
      label: 'bare',
      nodeArgs: [],
      env: {},
      config: 'no preload',
    },
    {
      name: 'ours',
      label: '@crm/otel-register',
      nodeArgs: ['--require', '@crm/otel-register'],
      // Defaults otherwise: parentbased_always_on (100 %), traces + logs OTLP http/protobuf, metrics on Prometheus :9464.
      env: { ...common, CRM_OTEL_QUIET: 'true' },
      config: `--require @crm/otel-register; OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}, CRM_OTEL_QUIET=true; defaults: sampler parentbased_always_on, traces+logs OTLP http/protobuf, metrics Prometheus :9464, detectors ${DETECTORS}`,
    },
    {
      name: 'official',
      label: 'auto-instrumentations-node/register',
      nodeArgs: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
      env: {
        ...common,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
        OTEL_NODE_RESOURCE_DETECTORS: DETECTORS,
      },
      config: `--require @opentelemetry/auto-instrumentations-node/register; OTEL_TRACES_EXPORTER=otlp, OTEL_METRICS_EXPORTER=prometheus (:9464), OTEL_LOGS_EXPORTER=otlp, OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, OTEL_TRACES_SAMPLER=parentbased_always_on, OTEL_NODE_RESOURCE_DETECTORS=${DETECTORS}, OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}; other settings default (all instrumentations but fs, every Express layer a span)`,
    },
  ];
  const ours = list[1];
  withEnvs.forEach((extra, i) => {
    const text = Object.entries(extra).map(([k, v]) => `${k}=${v}`).join(' ');
    list.push({
      name: `ours+${i + 1}`,
      label: `@crm/otel-register + ${text}`,
      nodeArgs: ours.nodeArgs,
      env: { ...ours.env, ...extra },
      config: `as @crm/otel-register, plus ${text}`,
    });
  });
  preloads.forEach((path, i) => {
    list.push({
      name: `preload+${i + 1}`,
      label: `--require ${path}`,
      nodeArgs: ['--require', path],
      env: ours.env,
      config: `--require ${path} with @crm/otel-register's settings`,
    });
  });
  return list;
}

/** Environment for a variant's child: the parent's, minus any OTEL_*, CRM_OTEL_* or NODE_OPTIONS that would skew it. */
export function childEnv(variant, extra = {}) {
  return { ...scrubbedEnv(['OTEL_', 'CRM_OTEL_']), ...variant.env, ...extra };
}
