export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error: "waiting for <what>". */
  what: string;
  /** More for the timeout error, computed when it happens (e.g. what did arrive). */
  detail?: () => string;
  /** A reason to stop before the timeout (e.g. the process being waited on exited), else undefined. */
  giveUp?: () => string | undefined;
}

/**
 * Calls fn until it returns a value other than undefined/null/false, and resolves with it.
 * Errors thrown by fn count as "not yet"; the last one is quoted in the timeout error.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 30_000, intervalMs = 500, what, detail, giveUp }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    const reason = giveUp?.() ?? (Date.now() >= deadline ? `timed out after ${timeoutMs}ms` : undefined);
    if (reason) {
      const more = detail ? `; ${detail()}` : '';
      const last = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`${reason} waiting for ${what}${more}${last}`);
    }
    await sleep(intervalMs);
  }
}
