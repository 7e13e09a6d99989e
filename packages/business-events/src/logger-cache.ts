// The Logger of the current global LoggerProvider, re-resolved when the provider changes (an SDK
// registered after this library was loaded). With no SDK the API returns a proxy whose logger
// reports enabled() === false, which callers check before building a record.

import { logs } from '@opentelemetry/api';
import type { Logger, LoggerProvider } from '@opentelemetry/api';
import { SCOPE_NAME, SCOPE_VERSION } from './defaults.js';

export class LoggerCache {
  private provider: LoggerProvider | undefined;
  private logger: Logger | undefined;

  get(): Logger {
    const provider = logs.getLoggerProvider();
    if (provider !== this.provider || this.logger === undefined) {
      this.provider = provider;
      this.logger = provider.getLogger(SCOPE_NAME, SCOPE_VERSION);
    }
    return this.logger;
  }
}
