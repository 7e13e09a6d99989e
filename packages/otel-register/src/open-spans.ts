// Spans started and not yet ended, so that a crash can end them before the last flush (crash.ts):
// otherwise the server span of the request that crashed, its other open spans and those of the
// other requests in flight are never exported. The first span processor: one Set add on start,
// one delete on end. At most MAX_TRACKED spans are held (an app that never ends some spans pays
// bounded memory); spans started beyond that are counted, not tracked.
import type { Context } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

export const MAX_TRACKED = 10_000;

export class OpenSpans implements SpanProcessor {
  private readonly open = new Set<Span>();
  /** Spans started while MAX_TRACKED were open: a crash cannot end them. */
  untracked = 0;

  constructor(private readonly max = MAX_TRACKED) {}

  onStart(span: Span, _parentContext: Context): void {
    if (this.open.size < this.max) this.open.add(span);
    else this.untracked++;
  }

  onEnd(span: ReadableSpan): void {
    this.open.delete(span as Span); // the SDK ends the very object it started
  }

  /** Ends every tracked open span; a status the span already has (OK, an ERROR of its own) stays. */
  endAll(message: string): number {
    const spans = [...this.open];
    for (const span of spans) {
      try {
        if (span.status.code === SpanStatusCode.UNSET) span.setStatus({ code: SpanStatusCode.ERROR, message });
        span.end();
      } catch {
        // one span that cannot end does not keep the others open
      }
    }
    this.open.clear();
    return spans.length;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

// The tracker of the running tracer provider (traces.ts); crash.ts ends its spans.
let current: OpenSpans | undefined;

export function trackOpenSpans(): OpenSpans {
  current = new OpenSpans();
  return current;
}

export const CRASH_STATUS = {
  uncaughtException: 'process ended by an uncaught exception before this span ended',
  unhandledRejection: 'process ended by an unhandled rejection before this span ended',
} as const;

/** Ends the open spans with the crash's fixed status; the line to print when some were not tracked. */
export function endOpenSpans(origin: keyof typeof CRASH_STATUS): string | undefined {
  if (!current) return undefined;
  current.endAll(CRASH_STATUS[origin]);
  const { untracked } = current;
  if (untracked === 0) return undefined;
  return `${untracked} spans started while ${MAX_TRACKED} were open were not tracked: those still open when the process crashed were not ended nor exported (spans never ended?)`;
}
