// Issue 10 on the real stack: one attack request through the attack corpus app (Express, pino,
// winston) preloaded with the register and exporting to the stack's collector. Its carriers are
// found in Jaeger and OpenSearch first; then none of its markers is in either backend. And an
// attack request (a 200 kB field that the app logs, a 15 kB `aaaa…@` URL) does not delay a
// normal request sent at the same time (it delayed one by 105 s before the linear engine).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startListening, waitFor, type AppProcess } from '@crm/test-kit';
import { findTraces, osRefresh, osSearch, urls } from '../support/backends.ts';
import { exactly, runId } from '../support/demo.ts';
import { TEXT_ATTACKS } from '../attack/corpus.ts';

const RUN = runId('atk');
const SERVICE = `attack-app-${RUN}`;
const APP_LOGS = 'crm-app-logs-*';
let app: AppProcess & { base: string };

before(async () => {
  app = await startListening('attack-app.cjs', {
    port: await freePort(),
    env: {
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_EXPORTER_OTLP_ENDPOINT: urls.collectorOtlpHttp(),
      OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
    },
  });
});

after(async () => {
  await app?.stop();
});

async function timed(url: string, init?: RequestInit): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, init);
  await res.text();
  assert.ok(res.status < 500, `${url} -> ${res.status}`);
  return performance.now() - started;
}

describe('attack requests on the real stack', () => {
  test('markers are absent from Jaeger and OpenSearch after their carriers arrived there', async () => {
    const id = `case-${RUN}`;
    const text = TEXT_ATTACKS.map((a) => a.text).join(' | ');
    const res = await fetch(`${app.base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, text }) });
    assert.equal(res.status, 200);

    const traces = await waitFor(async () => {
      const found = await findTraces(SERVICE, { tags: { 'attack.id': id } });
      return found.length > 0 && found;
    }, { what: `the trace of ${id} in Jaeger`, timeoutMs: 60_000 });
    const docs = await waitFor(async () => {
      await osRefresh(APP_LOGS);
      const hits = await osSearch(APP_LOGS, exactly('attributes.caseId', id));
      return hits.length >= 2 && hits; // pino and winston
    }, { what: `the log records of ${id} in OpenSearch`, timeoutMs: 60_000 });

    const stored = JSON.stringify(traces) + JSON.stringify(docs);
    assert.ok(stored.includes('[REDACTED]') && stored.includes('[REDACTED_EMAIL]'), 'the carriers hold the redacted text');
    const leaked = TEXT_ATTACKS.filter((a) => stored.includes(a.marker)).map((a) => a.id);
    assert.deepEqual(leaked, []);
    for (const a of TEXT_ATTACKS.slice(0, 5)) {
      const hits = await osSearch(APP_LOGS, { simple_query_string: { query: `"${a.marker}"`, fields: ['*'], lenient: true } });
      assert.deepEqual(hits, [], `a full-text search for ${a.id}'s marker finds nothing`);
    }
  });

  test('an attack request does not delay a concurrent normal request', async () => {
    const baseline = Math.max(...(await Promise.all([0, 1, 2].map(() => timed(`${app.base}/sink?n=1`)))));
    const field = `${'a'.repeat(200_000)}@`;
    const attacks = [
      fetch(`${app.base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: `big-${RUN}`, text: field }) }),
      ...Array.from({ length: 10 }, () => fetch(`${app.base}/q?x=${'a'.repeat(15_000)}@`)),
    ];
    await new Promise((r) => setTimeout(r, 20));
    const during = await timed(`${app.base}/sink?n=2`);
    for (const r of await Promise.all(attacks)) assert.ok(r.status < 500);
    // A generous guard against a complexity blow-up, not a timing target.
    assert.ok(during < 2_000, `a normal request took ${during.toFixed(0)} ms during the attack (baseline ${baseline.toFixed(0)} ms)`);
  });
});
