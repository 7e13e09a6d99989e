// Keeps export failures from reaching the app and gives every lost item a number:
// a bounded queue admission in front of each batch processor, and an exporter
// wrapper that counts failed exports and warns once per outage, not per batch.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { info, warn } from './diagnostics';
import type { Signal } from './config';

export type DropReason = 'queue_full' | 'export_failed';

/** Items lost per signal and reason, read by the crm_otel_dropped_total counter. */
export class DropLedger {
  private readonly counts = new Map<string, number>();

  /** Makes the series visible at 0 before anything is lost, so rate() and increase() work from the start. */
  seed(signal: Signal, reasons: DropReason[]): void {
    for (const reason of reasons) this.counts.set(`${signal}|${reason}`, this.counts.get(`${signal}|${reason}`) ?? 0);
  }

  add(signal: Signal, reason: DropReason, n: number): void {
    if (n <= 0) return;
    const key = `${signal}|${reason}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  entries(): Array<{ signal: Signal; reason: DropReason; count: number }> {
    return [...this.counts].map(([key, count]) => {
      const [signal, reason] = key.split('|') as [Signal, DropReason];
      return { signal, reason, count };
    });
  }

  /** Items of a signal dropped so far, whatever the reason. */
  dropped(signal: Signal): number {
    let n = 0;
    for (const e of this.entries()) if (e.signal === signal) n += e.count;
    return n;
  }

  private readonly sending = new Map<Signal, number>();

  /** Items handed to an exporter whose answer has not come yet. */
  inFlight(signal: Signal, delta = 0): number {
    const n = (this.sending.get(signal) ?? 0) + delta;
    this.sending.set(signal, n);
    return n;
  }
}

/**
 * Counts what sits in a batch processor's queue. The processor is given the
 * same maximum, so it never drops on its own: every drop happens here, counted.
 */
export class QueueGate {
  private pending = 0;
  constructor(
    private readonly signal: Signal,
    private readonly max: number,
    private readonly ledger: DropLedger,
  ) {}

  admit(): boolean {
    if (this.pending >= this.max) {
      this.ledger.add(this.signal, 'queue_full', 1);
      return false;
    }
    this.pending++;
    return true;
  }

  release(n: number): void {
    this.pending = Math.max(0, this.pending - n);
  }

  get size(): number {
    return this.pending;
  }
}

export interface BatchExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

// A collector that is shutting down still answers on some kept-alive connections for a moment;
// successes that soon after the first failure do not end the outage (no warning/recovery flapping).
const RECOVERY_HOLD_MILLIS = 2000;

/**
 * Reports a signal's export health: one warning when it starts failing, one line when it recovers.
 * Several exports can be in flight: only an export started after the first failure, and at least
 * RECOVERY_HOLD_MILLIS after it, proves a recovery; one sent before the outage and answered late
 * does not end it.
 */
export class ExportHealth {
  /** Every exporter's health, for the exit line's count of metric exports not delivered. */
  static readonly all = new Set<ExportHealth>();
  private failing = false;
  private failedAt = 0;
  private failedAtTime = 0;
  private started = 0;
  private succeeded = 0;
  constructor(
    readonly signal: Signal,
    private readonly target: string,
    private readonly now: () => number = Date.now,
  ) {
    ExportHealth.all.add(this);
  }

  /** Exports that failed or have no answer yet. */
  get undelivered(): number {
    return this.started - this.succeeded;
  }

  /** Call when an export starts; pass the result to ok() or failed(). */
  begin(): number {
    return ++this.started;
  }

  ok(startedAs: number): void {
    this.succeeded++;
    if (!this.failing || startedAs <= this.failedAt || this.now() - this.failedAtTime < RECOVERY_HOLD_MILLIS) return;
    this.failing = false;
    info(`${this.signal} export to ${this.target} recovered`);
  }

  failed(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.failedAt = this.started;
    this.failedAtTime = this.now();
    const reason = error instanceof Error ? error.message : String(error ?? 'unknown error');
    warn(
      `${this.signal} export to ${this.target} failed (${reason}); the app keeps running, ` +
        `lost items are counted in crm_otel_dropped_total{signal="${this.signal}"} until export recovers`,
    );
  }
}

export class GuardedExporter<T> implements BatchExporter<T> {
  private readonly health: ExportHealth;

  constructor(
    private readonly signal: Signal,
    private readonly inner: BatchExporter<T>,
    target: string,
    private readonly ledger: DropLedger,
    private readonly gate?: QueueGate,
  ) {
    this.health = new ExportHealth(signal, target);
  }

  export(items: T[], resultCallback: (result: ExportResult) => void): void {
    this.gate?.release(items.length);
    this.ledger.inFlight(this.signal, items.length);
    const attempt = this.health.begin();
    let answered = false;
    const done = (result: ExportResult): void => {
      if (answered) return;
      answered = true;
      this.ledger.inFlight(this.signal, -items.length);
      if (result.code === ExportResultCode.SUCCESS) this.health.ok(attempt);
      else {
        this.ledger.add(this.signal, 'export_failed', items.length);
        this.health.failed(result.error);
      }
      resultCallback(result);
    };
    try {
      this.inner.export(items, done);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * The exit line: spans and log records never delivered in this process's life (dropped, or still
 * queued or in flight when it ends) and metric exports that failed or had no answer; undefined
 * when there are none.
 */
export function undeliveredLine(ledger: DropLedger, gates: { traces?: QueueGate; logs?: QueueGate }): string | undefined {
  const count = (signal: 'traces' | 'logs'): number => ledger.dropped(signal) + (gates[signal]?.size ?? 0) + ledger.inFlight(signal);
  const spans = count('traces');
  const records = count('logs');
  let metricExports = 0;
  for (const health of ExportHealth.all) if (health.signal === 'metrics') metricExports += health.undelivered;
  if (spans + records + metricExports === 0) return undefined;
  return (
    `telemetry not delivered when the process ended: ${spans} spans, ${records} logs, ${metricExports} metric exports ` +
    '(dropped, or still queued or in flight; crm_otel_dropped_total has the reasons)'
  );
}
