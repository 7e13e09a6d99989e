// Flush on SIGTERM/SIGINT within a bound, then keep Node's own behaviour:
// with no handler of the app's, exit with 128 + the signal number; with one, the app decides.
import { constants } from 'node:os';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export function installShutdownHooks(flushAndStop: () => Promise<void>, timeoutMillis: number): void {
  let exiting = false;
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      const appDecides = process.listenerCount(signal) > 1;
      if (exiting && !appDecides) process.exit(128 + constants.signals[signal]); // second signal: stop waiting
      exiting = true;
      void boundedFlush(flushAndStop, timeoutMillis).then(() => {
        if (!appDecides) process.exit(128 + constants.signals[signal]);
      });
    };
    process.on(signal, onSignal);
  }
  // The app has run out of work: flush within the bound, then let the process end as it
  // would have (an unreachable collector must not keep a finished script alive).
  let flushedBeforeExit = false;
  process.on('beforeExit', () => {
    if (flushedBeforeExit) return;
    flushedBeforeExit = true;
    const appListens = process.listenerCount('beforeExit') > 1;
    void boundedFlush(flushAndStop, timeoutMillis).then(() => {
      if (!appListens) process.exit();
    });
  });
}

function boundedFlush(flushAndStop: () => Promise<void>, timeoutMillis: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMillis);
  });
  return Promise.race([flushAndStop().catch(() => undefined), bound]).then(() => clearTimeout(timer));
}
