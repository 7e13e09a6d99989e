// A data sync from an external source (HaloPSA, Apollo, ZoomInfo, ...), simulated: the source
// hands over `records` contact records, some of which it rejects. Callers may fix the number
// of failures (tests, alert demos); otherwise about one record in ten fails.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from './store.js';
import { newId } from './store.js';

export interface SyncRequest {
  source: string;
  records: number;
  /** Exact number of records that fail; undefined: each fails with probability failureRate. */
  failures?: number;
  failureRate: number;
}

export interface SyncResult {
  source: string;
  processed: number;
  successful: number;
  failed: number;
  skipped: number;
  durationMs: number;
  errors: string[];
}

export class SyncRecordRejected extends Error {
  override name = 'SyncRecordRejected';
}

export async function runSync(store: Store, req: SyncRequest): Promise<SyncResult> {
  const started = performance.now();
  let failed = 0;
  let successful = 0;
  const errors: string[] = [];
  for (let i = 0; i < req.records; i++) {
    // One page of the remote API every 25 records: a little latency, as a real source has.
    if (i % 25 === 0) await sleep(2);
    const recordId = newId('R');
    const fails = req.failures !== undefined ? i < req.failures : Math.random() < req.failureRate;
    if (fails) {
      failed++;
      if (errors.length < 5) errors.push(`record ${recordId} rejected by ${req.source}: missing company`);
      continue;
    }
    store.synced.set(`${req.source}:${recordId}`, true);
    successful++;
  }
  return {
    source: req.source,
    processed: req.records,
    successful,
    failed,
    skipped: req.records - successful - failed,
    durationMs: performance.now() - started,
    errors,
  };
}
