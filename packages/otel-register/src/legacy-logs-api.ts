// The logs API moved into @opentelemetry/api (1.10) with SDK 3.x, under a global of its own.
// @opentelemetry/winston-transport 0.34 (the latest, which instrumentation-winston sends
// through) and apps written for the 2.x SDK still emit through @opentelemetry/api-logs,
// which reads its older global: the logger provider is registered there too.
import type { LoggerProvider } from '@opentelemetry/api';
import { logs, type LoggerProvider as LegacyLoggerProvider } from '@opentelemetry/api-logs';

export function registerLegacyLogsApi(provider: LoggerProvider): void {
  // The same interface under its older name: getLogger(name, version, options) returning emit/enabled.
  logs.setGlobalLoggerProvider(provider as LegacyLoggerProvider);
}
