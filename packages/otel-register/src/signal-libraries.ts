// Libraries that listen for SIGTERM/SIGINT only to run clean-up and then re-raise the signal, but
// only when their own listeners are the only ones left. `signal-exit` (3 and 4, a common transitive
// dependency, e.g. through lockfile or foreground-child) is the one in wide use: its loaded copies
// are counted on the emitters they share, the very count signal-exit itself compares with.
const SIGNAL_EXIT_4 = Symbol.for('signal-exit emitter');

interface Counted {
  count?: unknown;
}

const counted = (emitter: unknown): number => {
  const count = (emitter as Counted | undefined)?.count;
  return typeof count === 'number' && count > 0 ? count : 0;
};

/** How many of the process's listeners for a signal belong to such a library (one per loaded copy). */
export function libraryListeners(): number {
  const v4 = (globalThis as Record<symbol, unknown>)[SIGNAL_EXIT_4];
  const v3 = (process as unknown as { __signal_exit_emitter__?: unknown }).__signal_exit_emitter__;
  return counted(v4) + counted(v3);
}
