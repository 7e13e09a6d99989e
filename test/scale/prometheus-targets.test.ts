// Prometheus scrapes every collector of the tiered profile: the agent and both gateways, their own
// telemetry (job otel-collector) and their Prometheus exporters (job otel-collector-exporter, where
// the gateways' RED metrics are), all up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stackPort, waitFor } from '@crm/test-kit';
import { promTargets } from '../support/backends.ts';

const EXPECTED: Record<string, string[]> = {
  'otel-collector': ['COLLECTOR_TELEMETRY_PORT', 'GATEWAY_1_TELEMETRY_PORT', 'GATEWAY_2_TELEMETRY_PORT'],
  'otel-collector-exporter': ['COLLECTOR_PROMETHEUS_EXPORTER_PORT', 'GATEWAY_1_PROMETHEUS_EXPORTER_PORT', 'GATEWAY_2_PROMETHEUS_EXPORTER_PORT'],
};

test('Prometheus scrapes the agent and both gateways (telemetry and exporter), all up', { timeout: 120_000 }, async () => {
  for (const [pool, ports] of Object.entries(EXPECTED)) {
    const wanted = ports.map((p) => `127.0.0.1:${stackPort(p)}`).sort();
    const up = await waitFor(async () => {
      const targets = (await promTargets()).filter((t) => t.scrapePool === pool);
      const instances = targets.filter((t) => t.health === 'up').map((t) => t.labels['instance'] ?? '').sort();
      return JSON.stringify(instances) === JSON.stringify(wanted) ? instances : undefined;
    }, { what: `${pool}: targets ${wanted.join(', ')} up`, timeoutMs: 60_000, intervalMs: 2000 });
    assert.deepEqual(up, wanted);
  }
});
