// Warn-once bookkeeping: each distinct key produces one message, with a bound so that a
// stream of distinct bad values cannot grow memory without limit.

const MAX_KEYS = 2000;

export type WarnSink = (message: string) => void;

export function defaultWarnSink(message: string): void {
  process.emitWarning(message, { type: 'CrmBusinessEventsWarning' });
}

export class WarnOnce {
  private readonly seen = new Set<string>();
  private saturated = false;

  constructor(private readonly sink: WarnSink) {}

  /** `message` may be a function, so that a message is only built when it is emitted. */
  warn(key: string, message: string | (() => string)): void {
    if (this.seen.has(key)) return;
    if (this.seen.size >= MAX_KEYS) {
      if (!this.saturated) {
        this.saturated = true;
        this.emit(`@crm/business-events: more than ${MAX_KEYS} distinct warnings; further ones are not reported`);
      }
      return;
    }
    this.seen.add(key);
    this.emit(message);
  }

  private emit(message: string | (() => string)): void {
    try {
      this.sink(typeof message === 'string' ? message : message());
    } catch {
      // A failing warning sink must not reach the business code.
    }
  }
}
