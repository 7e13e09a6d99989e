// Counters as observable counters over in-process cells. A synchronous SDK counter.add() hashes
// the attribute object on every call (the larger part of its cost); here a call adds to a
// plain number found by the identity of a cached attribute object, and the SDK reads the
// cumulative totals when it collects (a Prometheus scrape, an OTLP export). The exposition is
// the same: a monotonic counter, `_total` name, same labels and values.

import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';

interface Cell {
  readonly attributes: Attributes;
  value: number;
}

export class FastCounter {
  /** By identity of the caller's cached attribute objects (weak: callers may come and go). */
  private readonly byObject = new WeakMap<Attributes, Cell>();
  /** By content, so that two callers with equal attributes share one series. */
  private readonly byContent = new Map<string, Cell>();

  constructor(meter: Meter, name: string, description: string) {
    const counter = meter.createObservableCounter(name, { description });
    counter.addCallback((result) => this.observe(result));
  }

  /** Adds `value` to the series of `attributes`, which must be a cached (reused) object. */
  add(value: number, attributes: Attributes): void {
    let cell = this.byObject.get(attributes);
    if (cell === undefined) {
      const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
      cell = this.byContent.get(key);
      if (cell === undefined) {
        cell = { attributes: { ...attributes }, value: 0 };
        this.byContent.set(key, cell);
      }
      this.byObject.set(attributes, cell);
    }
    cell.value += value;
  }

  private observe(result: ObservableResult): void {
    for (const cell of this.byContent.values()) {
      try {
        result.observe(cell.value, cell.attributes);
      } catch {
        // an SDK failure during collection must not break the other series
      }
    }
  }
}
