// In-process captures for unit tests: what a function writes to stderr, and counter values
// collected from an SDK metric reader.
import type { DataPoint, MetricReader } from '@opentelemetry/sdk-metrics';

/** The chunks written to process.stderr while fn runs. */
export function captureStderr(fn: () => void): string[] {
  const chunks: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = original;
  }
  return chunks;
}

/** Cumulative counter values of `name`, keyed by the given labels' values joined with '|'. */
export async function counterValues(reader: MetricReader, name: string, labels: string[]): Promise<Map<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const out = new Map<string, number>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const m of scope.metrics) {
      if (m.descriptor.name !== name) continue;
      for (const p of m.dataPoints as DataPoint<number>[]) out.set(labels.map((l) => String(p.attributes[l])).join('|'), p.value);
    }
  }
  return out;
}
