// Export health: one warning per outage even with several exports in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureStderr } from '../support/capture.ts';
import { ExportHealth } from '@crm/otel-register/internal/export-guard';


test('a late success of an export sent before the outage does not end it; one sent after does', () => {
  let now = 1_000;
  const health = new ExportHealth('traces', 'http://collector:4318/v1/traces', () => now);
  const lines = captureStderr(() => {
    const before = health.begin(); // in flight when the collector goes away
    const failing = health.begin();
    health.failed(new Error('connect ECONNREFUSED'));
    health.ok(before); // answered late: not a recovery
    health.failed(new Error('connect ECONNREFUSED')); // same outage: no second warning
    void failing;
    const soon = health.begin();
    now += 500;
    health.ok(soon); // a collector shutting down may still answer for a moment: not a recovery
    health.failed(new Error('socket hang up'));
    now += 5_000;
    const after = health.begin();
    health.ok(after); // sent after the failure, later: recovered
    health.failed(new Error('connect ECONNREFUSED')); // a new outage warns again
  });
  assert.equal(lines.filter((l) => l.includes('warning: traces export')).length, 2);
  assert.equal(lines.filter((l) => l.includes('recovered')).length, 1);
  assert.match(lines[0]!, /failed \(connect ECONNREFUSED\).*crm_otel_dropped_total\{signal="traces"\}/);
});
