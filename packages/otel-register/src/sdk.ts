// The start-up story behind both preload entries and the programmatic API:
// read config, build the resource, start the three signals, then the instrumentations.
import { readConfig, type Config, type RegisterOptions } from './config';
import { hideInOutput, info, setupDiagLogger, warn } from './diagnostics';
import { DropLedger } from './export-guard';
import { INSTRUMENTATION_NAMES, setupInstrumentations, type InstrumentationHandle } from './instrumentations';
import { startLogs } from './logs';
import { registerSelfMetrics, startMetrics } from './metrics';
import { createRedactor } from './redaction';
import { buildResource } from './resource';
import { installShutdownHooks } from './shutdown';
import { startTraces } from './traces';

export interface StartOptions extends RegisterOptions {
  /** Preloaded with --import: ESM apps need their instrumentations before they import anything. */
  esm?: boolean;
  /** Flush on SIGTERM/SIGINT/beforeExit (the preload entries do). */
  installSignalHandlers?: boolean;
}

export interface RunningSdk {
  config: Config;
  instrumentations: InstrumentationHandle;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

let running: RunningSdk | undefined;

export function startSdk(options: StartOptions = {}): RunningSdk | undefined {
  if (running) return running;
  try {
    const env = options.env ?? process.env;
    const { config, problems, secrets } = readConfig(options, INSTRUMENTATION_NAMES);
    hideInOutput(secrets);
    setupDiagLogger(config.logLevel, env['OTEL_LOG_LEVEL'] !== undefined);
    for (const problem of problems) warn(problem);
    if (config.disabled) return undefined;

    const ledger = new DropLedger();
    const redactor = createRedactor(config.redaction);
    const { resource, serviceName } = buildResource(config, env);
    const traces = startTraces(config, resource, redactor, ledger);
    const meterProvider = startMetrics(config, resource, redactor, ledger);
    const logs = startLogs(config, resource, redactor, ledger);
    registerSelfMetrics(meterProvider, ledger, [['traces', traces.gate], ['logs', logs.gate]], redactor);
    applySemconvOptIn(config);
    const instrumentations = setupInstrumentations(config, options.esm === true);

    const providers = [traces.provider, meterProvider, logs.provider];
    let stopping: Promise<void> | undefined;
    const sdk: RunningSdk = {
      config,
      instrumentations,
      forceFlush: async () => {
        await Promise.allSettled(providers.map((p) => p.forceFlush()));
      },
      shutdown: () => {
        stopping ??= Promise.allSettled(providers.map((p) => p.shutdown())).then(() => undefined);
        return stopping;
      },
    };
    if (options.installSignalHandlers) installShutdownHooks(sdk.shutdown, config.shutdownTimeoutMillis);
    if (!config.quiet) info(startupLine(config, serviceName));
    if (['info', 'debug', 'verbose', 'all'].includes(config.logLevel) && env['OTEL_LOG_LEVEL'] !== undefined) {
      info(`instrumentations started: ${instrumentations.loaded().join(', ') || 'none'}; started on first require: ${instrumentations.waiting().join(', ')}`);
    }
    running = sdk;
    return sdk;
  } catch (error) {
    warn(`could not start (${(error as Error).message}); the app runs without telemetry`);
    return undefined;
  }
}

/** OTEL_SEMCONV_STABILITY_OPT_IN without its unknown entries, read by the instrumentations from process.env. */
function applySemconvOptIn(config: Config): void {
  const value = config.semconvStabilityOptIn;
  if (value === undefined) return;
  if (value) process.env['OTEL_SEMCONV_STABILITY_OPT_IN'] = value;
  else delete process.env['OTEL_SEMCONV_STABILITY_OPT_IN']; // the register's default applies
}

export function runningSdk(): RunningSdk | undefined {
  return running;
}

export function forgetSdk(): void {
  running = undefined;
}

function startupLine(c: Config, serviceName: string): string {
  const traces = c.traces.exporter === 'otlp' ? `otlp ${c.traces.otlp.protocol} ${c.traces.otlp.url}` : c.traces.exporter;
  const metrics = [
    c.metrics.prometheus ? `prometheus http://${c.metrics.prometheus.host}:${c.metrics.prometheus.port}/metrics` : '',
    c.metrics.otlp ? `otlp ${c.metrics.otlp.protocol} ${c.metrics.otlp.url}` : '',
    c.metrics.console ? 'console' : '',
  ].filter(Boolean);
  const logs = c.logs.exporter === 'otlp' ? `otlp ${c.logs.otlp.protocol} ${c.logs.otlp.url}` : c.logs.exporter;
  return `service ${serviceName}: traces ${traces}; metrics ${metrics.join(' + ') || 'none'}; logs ${logs} (CRM_OTEL_QUIET=true hides this line)`;
}
