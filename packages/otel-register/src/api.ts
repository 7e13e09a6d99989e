// The programmatic API, for those who prefer code to a preload flag:
//   import { start, shutdown } from '@crm/otel-register/api';
//   start({ serviceName: 'crm-api' });
// Call start() before requiring the modules you want instrumented.
import { loadSdk, saveCompileCache } from './sdk-loader';
import type { RegisterOptions } from './config';

export type { RegisterOptions, Config, SamplerName, OtlpProtocol } from './config';
export { REDACTED, REDACTED_EMAIL } from './redaction';

export interface StartApiOptions extends RegisterOptions {
  /** Flush on SIGTERM/SIGINT/beforeExit, as the preload does. Default true. */
  handleSignals?: boolean;
}

/** Starts the SDK once; returns false when it is disabled or could not start. */
export function start(options: StartApiOptions = {}): boolean {
  const started = loadSdk().startSdk({ ...options, installSignalHandlers: options.handleSignals ?? true });
  saveCompileCache();
  return started !== undefined;
}

/** Flushes every signal without stopping. */
export async function forceFlush(): Promise<void> {
  await loadSdk().runningSdk()?.forceFlush();
}

/** Flushes and stops every signal; start() may be called again afterwards. */
export async function shutdown(): Promise<void> {
  const sdk = loadSdk();
  const running = sdk.runningSdk();
  if (!running) return;
  await running.shutdown();
  sdk.forgetSdk();
}
