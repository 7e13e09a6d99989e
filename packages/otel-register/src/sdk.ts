// The start-up story behind both preload entries and the programmatic API:
// read config, build the resource, start the three signals, then the instrumentations.
import { holdOpen, inBackground, runBatchProcessorsInBackground } from './background';
import { flushClusterWorkers, prometheusPort, speaksForCluster, startClusterPart } from './cluster';
import { readConfig, type Config, type RegisterOptions } from './config';
import { installCrashHandlers } from './crash';
import { hideInOutput, info, setupDiagLogger, warn } from './diagnostics';
import { DropLedger, ExportHealth, undeliveredLine } from './export-guard';
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
  /** Flush on SIGTERM/SIGINT/beforeExit and before an uncaught exception ends the process (the preload entries do). */
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
    ExportHealth.all.clear(); // a previous start's exporters are stopped
    // Export work keeps the process up only where nothing else flushes at the end: with the
    // exit hooks (they flush on beforeExit), it runs in the background (background.ts).
    const background = options.installSignalHandlers === true;
    if (background) runBatchProcessorsInBackground();
    const redactor = createRedactor(config.redaction);
    // What the user put in OTEL_RESOURCE_ATTRIBUTES travels with every span, log and metric.
    redactor.attributes(config.resourceAttributes);
    const { resource, serviceName } = buildResource(config, env);
    const traces = startTraces(config, resource, redactor, ledger);
    // The readers' timers and exports, and so everything they start, inherit the scope.
    const meterProvider = background ? inBackground(() => startMetrics(config, resource, redactor, ledger)) : startMetrics(config, resource, redactor, ledger);
    const logs = startLogs(config, resource, redactor, ledger);
    registerSelfMetrics(meterProvider, ledger, [['traces', traces.gate], ['logs', logs.gate]], redactor);
    applySemconvOptIn(config);
    const instrumentations = setupInstrumentations(config, options.esm === true);

    const providers = [traces.provider, meterProvider, logs.provider];
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= inBackground(() =>
        Promise.allSettled([...providers.map((p) => p.shutdown()), flushClusterWorkers(config.shutdownTimeoutMillis)]),
      ).then(() => undefined));
    // Exports do not keep the process up (background.ts); a flush someone awaits does.
    const sdk: RunningSdk = {
      config,
      instrumentations,
      forceFlush: () => holdOpen(inBackground(() => Promise.allSettled(providers.map((p) => p.forceFlush()))).then(() => undefined)),
      shutdown: () => holdOpen(stop()),
    };
    if (options.installSignalHandlers) {
      const undelivered = (): string | undefined => undeliveredLine(ledger, { traces: traces.gate, logs: logs.gate });
      installCrashHandlers(installShutdownHooks({ stop, undelivered }, config.shutdownTimeoutMillis));
    }
    startClusterPart(sdk.forceFlush);
    if (!config.quiet && speaksForCluster()) info(startupLine(config, serviceName));
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
    c.metrics.prometheus ? `prometheus http://${c.metrics.prometheus.host}:${prometheusPort(c.metrics.prometheus.port)}/metrics` : '',
    c.metrics.otlp ? `otlp ${c.metrics.otlp.protocol} ${c.metrics.otlp.url}` : '',
    c.metrics.console ? 'console' : '',
  ].filter(Boolean);
  const logs = c.logs.exporter === 'otlp' ? `otlp ${c.logs.otlp.protocol} ${c.logs.otlp.url}` : c.logs.exporter;
  return `service ${serviceName}: traces ${traces}; metrics ${metrics.join(' + ') || 'none'}; logs ${logs} (CRM_OTEL_QUIET=true hides this line)`;
}
