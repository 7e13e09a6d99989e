// Issue 5, point 4: faults on the real local stack, each with its figures written to
// test/results/reliability.json (docs/RELIABILITY.md explains them). One start of the demo
// services serves the first four tests; the SIGTERM test starts its own CRM process.
// Every count is over this run's trace ids and lead ids, so old data in the stack does not matter.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { getTrace, httpJson, osCount, osRefresh, serviceOf, stackStart, stackStop, urls } from '../support/backends.ts';
import { freePort, scrape, stackPort, startApp, total, waitFor } from '@crm/test-kit';
import {
  FAST_EXPORT, SERVICE_DIR, serviceEntry, api, exactly, newTraceParent, recordResult, rssOf, runId,
  startDemoServices, startLoad, type DemoServices,
} from '../support/demo.ts';

const RUN = runId('flt');
const LOG_INDICES = 'crm-app-logs-*,crm-business-events-*';
const MiB = 2 ** 20;
let demo: DemoServices;
/** Spans and log records one lead creation produces, per service (measured on a probe request). */
let perLead: { spans: Record<string, number>; logs: Record<string, number> };

// ---- counting in the backends ---------------------------------------------------------------

/** Spans per service found in Jaeger for these traces (8 lookups at a time). */
async function spansInJaeger(traceIds: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < traceIds.length) {
      const id = traceIds[next++]!;
      const trace = await getTrace(id);
      for (const span of trace?.spans ?? []) {
        const service = serviceOf(trace!, span) ?? '?';
        counts[service] = (counts[service] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return counts;
}

/** Log documents per service in OpenSearch (both indices) for these traces. */
async function logsInOpenSearch(traceIds: string[]): Promise<Record<string, number>> {
  await osRefresh(LOG_INDICES);
  const counts: Record<string, number> = {};
  for (const service of ['crm-service', 'crm-enrichment']) {
    for (let i = 0; i < traceIds.length; i += 20_000) {
      const query = { bool: { filter: [exactly('traceId', traceIds.slice(i, i + 20_000)), exactly('resource.service.name', service)] } };
      counts[service] = (counts[service] ?? 0) + (await osCount(LOG_INDICES, query));
    }
  }
  return counts;
}

async function businessDocs(leadIds: string[]): Promise<number> {
  await osRefresh('crm-business-events-*');
  const r = await httpJson<{ count: number }>(`${urls.opensearch()}/crm-business-events-*/_count?ignore_unavailable=true&allow_no_indices=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: { bool: { filter: [exactly('attributes.event.name', 'crm.lead.created'), exactly('attributes.crm.lead.id', leadIds)] } } }),
  });
  if (r.status !== 200) throw new Error(`OpenSearch count: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.count;
}

/** Polls a count until it reaches `expected` or stops growing for `quietMs`; returns the last value. */
async function countSettled(read: () => Promise<number>, expected: number, timeoutMs: number, quietMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let changedAt = Date.now();
  for (;;) {
    let n = last;
    try {
      n = await read();
    } catch {
      // backend still starting: keep polling
    }
    if (n !== last) changedAt = Date.now();
    last = n;
    if (n >= expected || Date.now() > deadline || Date.now() - changedAt > quietMs) return n;
    await sleep(1000);
  }
}

/** The register's own counters on a service's /metrics. */
async function registerCounters(metricsPort: number): Promise<{ droppedSpans: number; droppedLogs: number; queueSpans: number; queueLogs: number }> {
  const s = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
  return {
    droppedSpans: total(s, 'crm_otel_dropped_total', { signal: 'traces' }),
    droppedLogs: total(s, 'crm_otel_dropped_total', { signal: 'logs' }),
    queueSpans: total(s, 'crm_otel_queue_items', { signal: 'traces' }),
    queueLogs: total(s, 'crm_otel_queue_items', { signal: 'logs' }),
  };
}

async function queuesEmpty(metricsPort: number): Promise<void> {
  await waitFor(async () => {
    const c = await registerCounters(metricsPort);
    return c.queueSpans === 0 && c.queueLogs === 0;
  }, { what: `empty export queues on :${metricsPort}`, timeoutMs: 60_000, intervalMs: 500 });
}

/**
 * Waits until the collector's Jaeger exporter queue is empty (its own otelcol_exporter_queue_size
 * on COLLECTOR_TELEMETRY_PORT): spans queue behind older ones, so a count taken earlier would
 * only measure the backlog (e.g. of another load on the same stack).
 */
async function jaegerQueueDrained(timeoutMs = 300_000): Promise<void> {
  await waitFor(async () => {
    const s = await scrape(`http://127.0.0.1:${stackPort('COLLECTOR_TELEMETRY_PORT')}/metrics`);
    const queued = s.filter((x) => x.name === 'otelcol_exporter_queue_size' && x.labels['exporter'] === 'otlp/jaeger');
    return queued.length > 0 && queued.every((x) => x.value === 0);
  }, { what: "the collector's Jaeger exporter queue to drain", timeoutMs, intervalMs: 1000 });
}

async function lead(base: string, source = 'event'): Promise<{ leadId: string; traceId: string }> {
  const tp = newTraceParent();
  const r = await api<{ id: string }>(base, 'POST', '/api/leads', { name: 'Fault Lead', email: 'fault@acme.com', company: 'Acme', source }, { traceparent: tp.header });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { leadId: r.body.id, traceId: tp.traceId };
}

/** Sends leads at about `perSecond` until `until()` resolves; returns what was sent. */
async function leadsWhile(base: string, perSecond: number, until: Promise<unknown>): Promise<Array<{ leadId: string; traceId: string; at: number }>> {
  const sent: Array<{ leadId: string; traceId: string; at: number }> = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    sent.push({ ...(await lead(base)), at: Date.now() });
    await sleep(1000 / perSecond);
  }
  return sent;
}

const stderrSince = (text: string, from: number): string => text.slice(from);
const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'g')) ?? []).length;

before(async () => {
  demo = await startDemoServices({ runId: RUN, env: FAST_EXPORT });
  await jaegerQueueDrained();
  // A probe request measures how many spans and log records one lead creation makes.
  const probe = await lead(demo.crm.base);
  await waitFor(async () => {
    const c = await spansInJaeger([probe.traceId]);
    return (c['crm-service'] ?? 0) > 0 && (c['crm-enrichment'] ?? 0) > 0 ? c : undefined;
  }, { what: 'the probe trace in Jaeger', timeoutMs: 45_000, intervalMs: 1000 });
  await sleep(3000); // the last spans/records of the probe
  const logs = await waitFor(async () => {
    const c = await logsInOpenSearch([probe.traceId]);
    return (c['crm-service'] ?? 0) >= 3 && (c['crm-enrichment'] ?? 0) >= 1 ? c : undefined;
  }, { what: 'the probe log records in OpenSearch', timeoutMs: 45_000, intervalMs: 1000 });
  perLead = { spans: await spansInJaeger([probe.traceId]), logs };
});

after(async () => {
  await demo?.stop();
  // Leave the whole stack running for the next file, whatever happened here.
  await stackStart().catch((e: unknown) => console.error(`restarting the stack after the fault tests: ${(e as Error).message}`));
});

describe('faults', () => {
  test('collector stopped for 30 s under load: serving goes on, memory bounded, one warning per exporter, missing = dropped', async () => {
    const before0 = { crm: await registerCounters(demo.crm.metricsPort), enrichment: await registerCounters(demo.enrichment.metricsPort) };
    const crmErr0 = demo.crm.stderr().length;
    const enrErr0 = demo.enrichment.stderr().length;
    const rss: Array<{ t: number; bytes: number; queue: number }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const c = await registerCounters(demo.crm.metricsPort).catch(() => undefined);
        rss.push({ t: Date.now(), bytes: rssOf(demo.crm.child.pid!), queue: (c?.queueSpans ?? 0) + (c?.queueLogs ?? 0) });
        await sleep(1000);
      }
    })();

    const load = startLoad(demo.crm.base, 2, 'event');
    await sleep(2000); // warm-up
    const upFrom = Date.now();
    await sleep(15_000);
    const upTo = Date.now();
    await stackStop('collector');
    const downFrom = Date.now();
    await sleep(30_000);
    const downTo = Date.now();
    await stackStart('collector');
    const restartedAt = Date.now();
    await sleep(10_000);
    await load.stop();
    sampling = false;
    await sampler;

    const upRps = load.servedBetween(upFrom, upTo) / ((upTo - upFrom) / 1000);
    const downRps = load.servedBetween(downFrom, downTo) / ((downTo - downFrom) / 1000);
    const failedRequests = load.requests.filter((r) => r.status !== 201).length;
    const rssUp = Math.max(...rss.filter((s) => s.t >= upFrom && s.t < upTo).map((s) => s.bytes));
    const rssDown = Math.max(...rss.filter((s) => s.t >= downFrom && s.t < restartedAt).map((s) => s.bytes));
    const queueMax = Math.max(...rss.map((s) => s.queue));
    // RSS over the outage in thirds: a queue without bound would grow from third to third.
    const third = (downTo - downFrom) / 3;
    const rssThirds = [0, 1, 2].map((i) =>
      Number((Math.max(...rss.filter((s) => s.t >= downFrom + i * third && s.t < downFrom + (i + 1) * third).map((s) => s.bytes)) / MiB).toFixed(1)),
    );

    // Data flows again: a request after the restart reaches Jaeger and OpenSearch.
    const after1 = await lead(demo.crm.base);
    await waitFor(async () => ((await spansInJaeger([after1.traceId]))['crm-service'] ?? 0) > 0, { what: 'a trace sent after the restart', timeoutMs: 60_000, intervalMs: 1000 });
    await waitFor(async () => (await businessDocs([after1.leadId])) === 1, { what: 'a business event sent after the restart', timeoutMs: 60_000, intervalMs: 1000 });

    // Accounting: what the backends lack is exactly what the register counted as dropped.
    await queuesEmpty(demo.crm.metricsPort);
    await queuesEmpty(demo.enrichment.metricsPort);
    const after0 = { crm: await registerCounters(demo.crm.metricsPort), enrichment: await registerCounters(demo.enrichment.metricsPort) };
    const traceIds = load.requests.filter((r) => r.status === 201).map((r) => r.traceId);
    const expectSpans = (svc: string): number => (perLead.spans[svc] ?? 0) * traceIds.length;
    const expectLogs = (svc: string): number => (perLead.logs[svc] ?? 0) * traceIds.length;
    const droppedSpans = { crm: after0.crm.droppedSpans - before0.crm.droppedSpans, enrichment: after0.enrichment.droppedSpans - before0.enrichment.droppedSpans };
    const droppedLogs = { crm: after0.crm.droppedLogs - before0.crm.droppedLogs, enrichment: after0.enrichment.droppedLogs - before0.enrichment.droppedLogs };
    const wantSpans = expectSpans('crm-service') + expectSpans('crm-enrichment') - droppedSpans.crm - droppedSpans.enrichment;
    const wantLogs = expectLogs('crm-service') + expectLogs('crm-enrichment') - droppedLogs.crm - droppedLogs.enrichment;
    await jaegerQueueDrained();
    let spans: Record<string, number> = {};
    await countSettled(async () => {
      spans = await spansInJaeger(traceIds);
      return (spans['crm-service'] ?? 0) + (spans['crm-enrichment'] ?? 0);
    }, wantSpans, 90_000);
    let logs: Record<string, number> = {};
    await countSettled(async () => {
      logs = await logsInOpenSearch(traceIds);
      return (logs['crm-service'] ?? 0) + (logs['crm-enrichment'] ?? 0);
    }, wantLogs, 90_000);

    const crmErr = stderrSince(demo.crm.stderr(), crmErr0);
    const enrErr = stderrSince(demo.enrichment.stderr(), enrErr0);
    const warnings = {
      crm: { traces: count(crmErr, /warning: traces export to \S+ failed/), logs: count(crmErr, /warning: logs export to \S+ failed/) },
      enrichment: { traces: count(enrErr, /warning: traces export to \S+ failed/), logs: count(enrErr, /warning: logs export to \S+ failed/) },
    };
    const missing = {
      spans: { crm: expectSpans('crm-service') - (spans['crm-service'] ?? 0), enrichment: expectSpans('crm-enrichment') - (spans['crm-enrichment'] ?? 0) },
      logs: { crm: expectLogs('crm-service') - (logs['crm-service'] ?? 0), enrichment: expectLogs('crm-enrichment') - (logs['crm-enrichment'] ?? 0) },
    };
    const figures = {
      loadConcurrency: 2,
      requests: load.requests.length,
      failedRequests,
      throughputCollectorUpRps: Number(upRps.toFixed(1)),
      throughputCollectorDownRps: Number(downRps.toFixed(1)),
      throughputRatio: Number((downRps / upRps).toFixed(3)),
      rssMaxCollectorUpMiB: Number((rssUp / MiB).toFixed(1)),
      rssMaxCollectorDownMiB: Number((rssDown / MiB).toFixed(1)),
      rssMaxPerThirdOfOutageMiB: rssThirds,
      exportQueueMaxItems: queueMax,
      warnings,
      perLead,
      spans: { expected: { crm: expectSpans('crm-service'), enrichment: expectSpans('crm-enrichment') }, found: spans, missing: missing.spans, dropped: droppedSpans },
      logs: { expected: { crm: expectLogs('crm-service'), enrichment: expectLogs('crm-enrichment') }, found: logs, missing: missing.logs, dropped: droppedLogs },
    };
    recordResult('collectorOutage30s', figures);

    assert.equal(failedRequests, 0, 'every request was served');
    assert.ok(downRps >= 0.9 * upRps, `throughput with the collector down ${downRps.toFixed(1)}/s >= 0.9 x ${upRps.toFixed(1)}/s`);
    // Bounded: the export queues never exceed their maxima (2048 spans + 2048 log records by
    // default), and the process grows by less than 128 MiB (V8 sizes its heap to the higher
    // request rate reached while nothing is exported; see docs/RELIABILITY.md for the figures).
    assert.ok(queueMax <= 4096, `queued items ${queueMax}`);
    assert.ok(rssDown - rssUp < 128 * MiB, `RSS grew ${((rssDown - rssUp) / MiB).toFixed(1)} MiB during the outage`);
    const exportLines = (err: string) => err.split('\n').filter((l) => / export to /.test(l)).join('\n');
    assert.deepEqual(
      warnings,
      { crm: { traces: 1, logs: 1 }, enrichment: { traces: 1, logs: 1 } },
      `one warning per exporter\ncrm-service:\n${exportLines(crmErr)}\ncrm-enrichment:\n${exportLines(enrErr)}`,
    );
    assert.match(crmErr, /traces export to \S+ recovered/);
    assert.ok(droppedSpans.crm > 0, 'the outage did cost spans (else the test proves nothing)');
    assert.deepEqual(missing.spans, droppedSpans, 'missing spans = dropped spans, per service');
    assert.deepEqual(missing.logs, droppedLogs, 'missing log records = dropped log records, per service');
  });

  test('OpenSearch stopped for 30 s while events flow, then started: every event arrives', async () => {
    const dropped0 = await registerCounters(demo.crm.metricsPort);
    let outage = { from: 0, to: 0, restartSeconds: 0 };
    const flow = leadsWhile(
      demo.crm.base,
      5,
      (async () => {
        await sleep(5000);
        await stackStop('opensearch');
        outage.from = Date.now();
        await sleep(30_000);
        const t = Date.now();
        await stackStart('opensearch');
        outage = { ...outage, to: Date.now(), restartSeconds: Math.round((Date.now() - t) / 1000) };
        await sleep(5000);
      })(),
    );
    const sent = await flow;
    const leadIds = sent.map((s) => s.leadId);
    const caughtUpFrom = Date.now();
    const found = await countSettled(() => businessDocs(leadIds), leadIds.length, 150_000, 60_000);
    const catchUpSeconds = Math.round((Date.now() - caughtUpFrom) / 1000);
    const dropped1 = await registerCounters(demo.crm.metricsPort);
    recordResult('opensearchOutage30s', {
      eventsSent: leadIds.length,
      sentDuringOutage: sent.filter((s) => s.at >= outage.from && s.at < outage.to).length,
      eventsFound: found,
      lost: leadIds.length - found,
      opensearchRestartSeconds: outage.restartSeconds,
      secondsWaitedAfterRestart: catchUpSeconds,
      appDroppedLogs: dropped1.droppedLogs - dropped0.droppedLogs,
    });
    assert.equal(found, leadIds.length, `${leadIds.length - found} business events lost`);
    assert.equal(dropped1.droppedLogs - dropped0.droppedLogs, 0, 'the app dropped nothing (the collector buffered)');
  });

  test('Jaeger restarted mid-run: all spans of the run are present afterwards', async () => {
    await jaegerQueueDrained();
    let restartSeconds = 0;
    const sent = await leadsWhile(
      demo.crm.base,
      5,
      (async () => {
        await sleep(4000);
        const t = Date.now();
        await stackStop('jaeger');
        await stackStart('jaeger');
        restartSeconds = Math.round((Date.now() - t) / 1000);
        await sleep(4000);
      })(),
    );
    const traceIds = sent.map((s) => s.traceId);
    const expected = traceIds.length * ((perLead.spans['crm-service'] ?? 0) + (perLead.spans['crm-enrichment'] ?? 0));
    await queuesEmpty(demo.crm.metricsPort);
    await jaegerQueueDrained();
    const found = await countSettled(async () => {
      const c = await spansInJaeger(traceIds);
      return (c['crm-service'] ?? 0) + (c['crm-enrichment'] ?? 0);
    }, expected, 60_000, 20_000);
    recordResult('jaegerRestart', { traces: traceIds.length, spansExpected: expected, spansFound: found, lost: expected - found, jaegerRestartSeconds: restartSeconds });
    assert.equal(found, expected);
  });

  test('collector killed with SIGKILL and restarted: what it had accepted is delivered (persistent queue)', async () => {
    await jaegerQueueDrained();
    // Jaeger down first, so the spans the collector accepts wait in its queue on disk.
    await stackStop('jaeger');
    const dropped0 = await registerCounters(demo.crm.metricsPort);
    const sent: Array<{ leadId: string; traceId: string }> = [];
    for (let i = 0; i < 100; i++) sent.push(await lead(demo.crm.base));
    await queuesEmpty(demo.crm.metricsPort);
    await queuesEmpty(demo.enrichment.metricsPort);
    const dropped1 = await registerCounters(demo.crm.metricsPort);
    assert.equal(dropped1.droppedSpans - dropped0.droppedSpans, 0, 'the collector accepted every span before the kill');
    await sleep(3000); // past the collector's 1 s batch timeout: the spans sit in the exporter queue
    await stackStop({ kill: true }, 'collector');
    await stackStart('collector');
    await stackStart('jaeger');
    await jaegerQueueDrained();
    const traceIds = sent.map((s) => s.traceId);
    const expected = traceIds.length * ((perLead.spans['crm-service'] ?? 0) + (perLead.spans['crm-enrichment'] ?? 0));
    const found = await countSettled(async () => {
      const c = await spansInJaeger(traceIds);
      return (c['crm-service'] ?? 0) + (c['crm-enrichment'] ?? 0);
    }, expected, 60_000, 20_000);
    recordResult('collectorSigkill', { spansAccepted: expected, spansFound: found, lost: expected - found });
    assert.equal(expected - found, 0, `${expected - found} of ${expected} accepted spans lost`);
  });

  test('SIGTERM right after N events: all N delivered, exit code 143 within 5 s', async () => {
    const N = 50;
    const port = await freePort();
    // Default batch delays (5 s for spans): at SIGTERM the events are still queued in the process.
    const app = startApp(serviceEntry('dist/server.js'), {
      cwd: SERVICE_DIR,
      env: {
        OTEL_SERVICE_NAME: 'crm-service',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://localhost:${stackPort('COLLECTOR_OTLP_HTTP_PORT')}`,
        OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
        CRM_PORT: String(port),
        ENRICHMENT_URL: demo.enrichment.base,
      },
    });
    await app.waitForOutput(/"crm-service listening"/, 20_000);
    const base = `http://127.0.0.1:${port}`;
    const sent: Array<{ leadId: string; traceId: string }> = [];
    for (let i = 0; i < N; i++) sent.push(await lead(base));
    const t = Date.now();
    app.child.kill('SIGTERM');
    const exit = await app.exited;
    const exitMs = Date.now() - t;
    const leadIds = sent.map((s) => s.leadId);
    const docs = await countSettled(() => businessDocs(leadIds), N, 60_000);
    await jaegerQueueDrained();
    const traces = await countSettled(async () => {
      let n = 0;
      for (const s of sent) {
        const tr = await getTrace(s.traceId);
        if (tr?.spans.some((sp) => serviceOf(tr, sp) === 'crm-service' && sp.operationName === 'POST /api/leads')) n++;
      }
      return n;
    }, N, 60_000, 20_000);
    recordResult('sigtermAfterEvents', { events: N, exitCode: exit.code, exitMs, businessEventsDelivered: docs, tracesDelivered: traces });
    assert.equal(exit.code, 143);
    assert.ok(exitMs <= 5000, `exited ${exitMs} ms after SIGTERM`);
    assert.equal(docs, N, 'business events in OpenSearch');
    assert.equal(traces, N, 'server spans in Jaeger');
  });
});
