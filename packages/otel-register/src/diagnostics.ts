// The register's own voice on stderr: one prefixed line per message, never an exception.
import { DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import type { LogLevel } from './config';
import { globalApi } from './global-api';

const PREFIX = '[@crm/otel-register]';

export function warn(message: string): void {
  try {
    process.stderr.write(`${PREFIX} warning: ${message}\n`);
  } catch {
    // stderr closed: nothing sensible left to do
  }
}

export function info(message: string): void {
  try {
    process.stderr.write(`${PREFIX} ${message}\n`);
  } catch {
    // stderr closed
  }
}

const LEVELS: Record<LogLevel, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/**
 * The SDK's own diagnostics go to the console only when OTEL_LOG_LEVEL asks for
 * more than our default; export failures are reported by ExportGuard instead,
 * once per exporter, so the default stays quiet.
 */
export function setupDiagLogger(level: LogLevel, explicit: boolean): void {
  if (!explicit || level === 'none') return;
  globalApi().diag.setLogger(new DiagConsoleLogger(), { logLevel: LEVELS[level], suppressOverrideMessage: true });
}
