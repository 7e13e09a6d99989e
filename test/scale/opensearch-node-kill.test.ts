// One OpenSearch node SIGKILLed under load (node 2, the data node: stack/stop.sh --kill
// opensearch-2), restarted 30 s later. Every index has one replica, so node 1 holds a copy of
// every shard and is promoted to primary where needed: logs (agent -> OpenSearch) and spans
// (gateways -> Jaeger -> OpenSearch) keep being indexed while node 2 is down, and none is lost.
// Node 1 is the only cluster-manager-eligible node (stack/scale.sh explains why): losing it
// stops the two-node cluster, which docs/SCALING.md states.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpJson, urls } from '../support/backends.ts';
import { sleep, waitFor } from '@crm/test-kit';
import { figure, loadGenerator, mapLimit, newRun, sendLog, SPANS_PER_TRACE, stackScript, stored } from './tiered.ts';

/** Distinct scale.log_id values of one run in crm-app-logs-* (an at-least-once retry may repeat a
 * document). No _refresh: it fails while a replica's node is gone; the indices refresh every second. */
async function distinctLogs(run: string): Promise<{ docs: number; distinct: number }> {
  const { status, body } = await httpJson<{ hits: { total: { value: number } }; aggregations: { ids: { value: number } } }>(
    `${urls.opensearch()}/crm-app-logs-*/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        size: 0, track_total_hits: true,
        query: { term: { 'attributes.scale.run': run } },
        aggs: { ids: { cardinality: { field: 'attributes.scale.log_id', precision_threshold: 40000 } } },
      }),
    });
  if (status !== 200) throw new Error(`log search -> HTTP ${status}: ${JSON.stringify(body)}`);
  return { docs: body.hits.total.value, distinct: body.aggregations.ids.value };
}

test('OpenSearch node 2 killed under load: logs and spans keep being indexed, none lost', { timeout: 420_000 }, async () => {
  const run = newRun();
  const traces = loadGenerator(run, ['error'], 10);
  const logIds: string[] = [];
  const logFailures: string[] = [];
  let logging = true;
  const logLoop = (async () => {
    for (let seq = 0; logging; seq++) {
      try { logIds.push(await sendLog(run, seq)); } catch (err) { logFailures.push((err as Error).message); }
      await sleep(50);
    }
  })();
  const stopLoad = async (): Promise<void> => {
    logging = false;
    await logLoop;
    await traces.stop();
  };

  let logsDuringOutage: number;
  let indexedWhileDownS: number;
  try {
    await sleep(8000);
    const logsBeforeKill = (await distinctLogs(run)).distinct;
    await stackScript('stop.sh', '--kill', 'opensearch-2');
    const killedAt = Date.now();
    // While node 2 is down: logs sent after the kill are indexed, and error traces started after
    // it are in Jaeger (stored on node 1).
    logsDuringOutage = await waitFor(async () => {
      const n = (await distinctLogs(run)).distinct;
      return n >= logsBeforeKill + 200 ? n - logsBeforeKill : undefined;
    }, { what: '200 more log records indexed with node 2 down', timeoutMs: 25_000, intervalMs: 1000 });
    const afterKill = traces.sent.filter((t) => t.startedAt > killedAt + 2000).slice(0, 20);
    await waitFor(async () => afterKill.length === 20 && (await mapLimit(afterKill, 8, stored)).every((s) => s.spans === SPANS_PER_TRACE),
      { what: '20 error traces sent with node 2 down complete in Jaeger', timeoutMs: 25_000, intervalMs: 1000 });
    indexedWhileDownS = Math.round((Date.now() - killedAt) / 1000);
    await sleep(Math.max(0, 30_000 - (Date.now() - killedAt)));

    await stackScript('start.sh', '--profile', 'scale', 'opensearch-2');
    await sleep(5000);
  } finally {
    await stopLoad();
  }
  assert.deepEqual([...logFailures, ...traces.failures], [], 'the agent accepted every log record and span');

  const final = await waitFor(async () => {
    const c = await distinctLogs(run);
    return c.distinct >= logIds.length ? c : undefined;
  }, { what: `all ${logIds.length} log records indexed`, timeoutMs: 120_000, intervalMs: 3000 });
  await waitFor(async () => (await mapLimit(traces.sent, 8, stored)).every((s) => s.spans === SPANS_PER_TRACE),
    { what: `all ${traces.sent.length} error traces complete in Jaeger`, timeoutMs: 120_000, intervalMs: 5000 });
  const health = await waitFor(async () => {
    const { body } = await httpJson<{ status: string }>(`${urls.opensearch()}/_cluster/health?wait_for_status=green&timeout=5s`);
    return body.status === 'green' ? body.status : undefined;
  }, { what: 'the cluster green again (replicas back on node 2)', timeoutMs: 120_000, intervalMs: 2000 });
  const replicas = await httpJson<Array<{ index: string; rep: string }>>(`${urls.opensearch()}/_cat/indices/crm-*?format=json&h=index,rep`);

  figure('opensearch_node_kill', {
    logs_sent: logIds.length, logs_indexed_distinct: final.distinct, log_docs: final.docs,
    logs_indexed_while_node2_down: logsDuringOutage, spans_indexed_while_down_checked_within_s: indexedWhileDownS,
    error_traces: traces.sent.length, error_traces_complete: traces.sent.length, cluster_after: health,
  });
  for (const i of replicas.body) assert.equal(i.rep, '1', `${i.index} has one replica (a copy on each node)`);
  assert.equal(final.distinct, logIds.length, 'every log record indexed');
});
