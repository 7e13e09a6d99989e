// How the process ends when the kit takes part; every flush is bounded by CRM_OTEL_SHUTDOWN_TIMEOUT_MS.
// - SIGTERM/SIGINT with no handler of the app's: flush, then exit 128 + the signal number, as Node
//   would; with one, flush and let the app decide. A second signal stops waiting. Listeners of
//   libraries that re-raise the signal when theirs are the only ones left (signal-exit,
//   signal-libraries.ts) are not the app's: after the flush ours is removed and the signal raised
//   again, so the library runs its clean-up and the process ends as it would without the kit.
// - The app has run out of work (beforeExit): flush, then end as the process would have. Export
//   work never keeps the process alive (background.ts), so this comes right after the app's last
//   work, whatever the collector does.
// - An uncaught exception or unhandled rejection with no handler of the app's (crash.ts): flush,
//   then Node's own report and exit code.
// A signal during a beforeExit flush turns that exit into the signal's; a crash wins over both.
// When the process ends, one line says what was not delivered, if anything was not.
import { constants } from 'node:os';
import { warn } from './diagnostics';
import { libraryListeners } from './signal-libraries';

export interface Stoppable {
  /** Flushes and stops every signal. */
  stop(): Promise<void>;
  /** The exit line, or undefined when everything was delivered. */
  undelivered(): string | undefined;
}

export const EXIT_RANK = { beforeExit: 1, signal: 2, crash: 3 } as const;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export class ExitControl {
  private flushing: Promise<void> | undefined;
  private ending: { rank: number; run: () => void } | undefined;
  private ended = false;
  private reported = false;

  constructor(
    private readonly sdk: Stoppable,
    private readonly timeoutMillis: number,
  ) {}

  /** Flushes and stops once; resolves when done or at the bound, whichever comes first. */
  flush(): Promise<void> {
    this.flushing ??= new Promise<void>((resolve) => {
      // ref'd: this timer is what keeps the process up while the (unref'd) exports finish
      const bound = setTimeout(resolve, this.timeoutMillis).ref();
      void this.sdk
        .stop()
        .catch(() => undefined)
        .then(() => {
          clearTimeout(bound);
          resolve();
        });
    });
    return this.flushing;
  }

  /** Flush, then end the process with `run`; an ending of a higher rank asked meanwhile wins. */
  endAfterFlush(rank: number, run: () => void): void {
    if (this.ended) return;
    if (!this.ending || rank > this.ending.rank) this.ending = { rank, run };
    void this.flush().then(() => this.endNow());
  }

  /** Ends with what was asked, without waiting any longer. */
  endNow(): void {
    if (this.ended || !this.ending) return;
    this.ended = true;
    this.report();
    this.ending.run();
  }

  /** The one line about what was not delivered (at most once). */
  report(): void {
    if (this.reported) return;
    this.reported = true;
    const line = this.sdk.undelivered();
    if (line) warn(line);
  }
}

export function installShutdownHooks(sdk: Stoppable, timeoutMillis: number): ExitControl {
  const exit = new ExitControl(sdk, timeoutMillis);
  let signalled = false;
  for (const signal of SIGNALS) {
    const listener = (): void => {
      const others = process.listenerCount(signal) - 1;
      if (others > libraryListeners()) {
        void exit.flush(); // the app decides
        return;
      }
      if (signalled) {
        exit.endNow(); // second signal: stop waiting
        return;
      }
      signalled = true;
      exit.endAfterFlush(EXIT_RANK.signal, () => {
        process.removeListener(signal, listener);
        if (process.listenerCount(signal) === 0) process.exit(128 + constants.signals[signal]);
        process.kill(process.pid, signal); // the library's listener now sees only its own: it re-raises
      });
    };
    process.on(signal, listener);
  }
  let beforeExitSeen = false;
  process.on('beforeExit', () => {
    if (beforeExitSeen) return;
    beforeExitSeen = true;
    if (process.listenerCount('beforeExit') > 1) void exit.flush(); // the app may have more to do
    else exit.endAfterFlush(EXIT_RANK.beforeExit, () => process.exit());
  });
  // An exit of the app's own (process.exit(), its signal handler): the line still comes.
  process.on('exit', () => exit.report());
  return exit;
}
